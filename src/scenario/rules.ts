import { MAX_WEBHOOK_TIMEOUT } from '../shared/durations.js';
import { redactUrl } from '../shared/redact.js';
import type { ScenarioIssue } from './issues.js';
import type { ScenarioInput } from './schema.js';
import { durationAt } from './durations.js';

const RATIO_ONLY = ['observe', 'interval', 'thresholds', 'load'] as const;

/** Cross-field rules the schema cannot say; every issue names its field path. Pure. */
export function checkRules(input: ScenarioInput): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  if (input.target !== undefined && !isHttpUrl(input.target)) {
    issues.push({ path: 'target', message: `"${redactUrl(input.target)}" is not an http(s) URL` });
  }
  const topObserve = durationAt(input.observe, 'observe', issues);
  const topInterval = durationAt(input.interval, 'interval', issues);
  if (topInterval !== undefined && topInterval <= 0) issues.push({ path: 'interval', message: 'must be more than 0' });

  input.steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    const kinds = (['ratio', 'pause', 'check'] as const).filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      issues.push({
        path: at,
        message: kinds.length === 0 ? 'a step needs one of ratio:, pause: manual or check: consistency' : `a step does one thing; it has ${kinds.join(' and ')}`,
      });
      return;
    }
    if (kinds[0] !== 'ratio') {
      for (const field of RATIO_ONLY) {
        if (step[field] !== undefined) issues.push({ path: `${at}.${field}`, message: `only a ratio step takes ${field}:` });
      }
      if (kinds[0] === 'check' && step.message !== undefined) issues.push({ path: `${at}.message`, message: 'only a pause step takes message:' });
      return;
    }
    if (step.message !== undefined) issues.push({ path: `${at}.message`, message: 'only a pause step takes message:' });
    const observe = durationAt(step.observe, `${at}.observe`, issues) ?? topObserve;
    const interval = durationAt(step.interval, `${at}.interval`, issues) ?? topInterval ?? 60_000;
    if (step.observe === undefined && input.observe === undefined) {
      issues.push({ path: `${at}.observe`, message: 'required for a ratio step (or set observe: at the top level)' });
    } else if (observe !== undefined && observe <= 0) {
      issues.push({ path: `${at}.observe`, message: 'must be more than 0' });
    } else if (observe !== undefined && interval > observe) {
      const where = step.interval !== undefined ? `${at}.interval` : `${at}.observe`;
      issues.push({ path: where, message: `the interval (${interval / 1000}s) is longer than observe (${observe / 1000}s), so no sample would be taken` });
    }
    if (step.interval !== undefined && interval <= 0) issues.push({ path: `${at}.interval`, message: 'must be more than 0' });
    if (step.load) {
      const length = durationAt(step.load.duration, `${at}.load.duration`, issues);
      if (length !== undefined && length <= 0) {
        issues.push({ path: `${at}.load.duration`, message: 'must be more than 0' });
      } else if (length !== undefined && observe !== undefined && observe > 0 && length < observe) {
        // Samples taken after the load ended would judge whatever else the service saw: say so now.
        issues.push({
          path: `${at}.load.duration`,
          message: `the load (${length / 1000}s) would end before the step's observation (${observe / 1000}s); make it at least as long (it is stopped when the step ends)`,
        });
      }
    }
  });

  (input.webhooks ?? []).forEach((hook, i) => {
    // Echoed redacted: a scenario's webhook URL may carry its token (issue 18).
    if (!isHttpUrl(hook.url)) issues.push({ path: `webhooks[${i}].url`, message: `"${redactUrl(hook.url)}" is not an http(s) URL` });
    else if (hasUserinfo(hook.url)) {
      // undici (the HTTP client) drops `user:pass@` without a word: the hook would never authenticate.
      issues.push({ path: `webhooks[${i}].url`, message: 'credentials in the URL (user:password@) are not sent; put them in headers:, e.g. Authorization: Basic ...' });
    }
    const timeout = durationAt(hook.timeout, `webhooks[${i}].timeout`, issues, MAX_WEBHOOK_TIMEOUT);
    if (timeout !== undefined && timeout <= 0) issues.push({ path: `webhooks[${i}].timeout`, message: 'must be more than 0' });
  });
  return issues;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function hasUserinfo(text: string): boolean {
  const url = new URL(text);
  return url.username !== '' || url.password !== '';
}
