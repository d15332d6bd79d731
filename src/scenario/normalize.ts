import { DEFAULT_LIMITS, DEFAULT_THRESHOLDS, type Limits, type Plan, type Step, type Thresholds, type WebhookTarget } from '../control/plan.js';
import type { LoadSpec } from '../ports/load-runner.js';
import { MAX_WEBHOOK_TIMEOUT } from '../shared/durations.js';
import { durationAt } from './durations.js';
import type { ScenarioIssue } from './issues.js';
import type { ScenarioInput } from './schema.js';

type ThresholdInput = NonNullable<ScenarioInput['thresholds']>;

function thresholds(base: Thresholds, input: ThresholdInput | undefined): Thresholds {
  if (!input) return base;
  return {
    maxErrorRate: input.max_error_rate ?? base.maxErrorRate,
    maxP95Ms: input.max_p95_ms !== undefined ? input.max_p95_ms : base.maxP95Ms,
    maxP95Ratio: input.max_p95_ratio !== undefined ? input.max_p95_ratio : base.maxP95Ratio,
    minRequests: input.min_requests ?? base.minRequests,
  };
}

/**
 * Validated input -> Plan: durations to ms, defaults filled in, thresholds merged (step over
 * scenario over built-in). Runs after checkRules found no issue, so durations parse.
 */
export function normalize(input: ScenarioInput, fallbackName: string): Plan {
  const ignored: ScenarioIssue[] = [];
  const ms = (value: string | number | undefined, path: string) => durationAt(value, path, ignored);
  const scenarioThresholds = thresholds(DEFAULT_THRESHOLDS, input.thresholds);
  const limits: Limits = {
    failureLimit: input.limits?.failure_limit ?? DEFAULT_LIMITS.failureLimit,
    inconclusiveLimit: input.limits?.inconclusive_limit ?? DEFAULT_LIMITS.inconclusiveLimit,
    consecutiveErrorLimit: input.limits?.consecutive_error_limit ?? DEFAULT_LIMITS.consecutiveErrorLimit,
  };
  const steps: Step[] = input.steps.map((step, i): Step => {
    if (step.pause) return { kind: 'pause', message: step.message ?? step.name ?? 'manual gate: continue when ready' };
    if (step.check) return { kind: 'check', check: step.check };
    const observeMs = ms(step.observe, `steps[${i}].observe`) ?? ms(input.observe, 'observe')!;
    const intervalMs = ms(step.interval, `steps[${i}].interval`) ?? ms(input.interval, 'interval') ?? 60_000;
    const out: Step = { kind: 'ratio', ratio: step.ratio!, observeMs, intervalMs, thresholds: thresholds(scenarioThresholds, step.thresholds) };
    if (step.load) {
      const load: LoadSpec = { rate: step.load.rate, durationMs: ms(step.load.duration, 'load')! };
      if (step.load.devices !== undefined) load.devices = step.load.devices;
      if (step.load.connections !== undefined) load.connections = step.load.connections;
      if (step.load.endpoint !== undefined) load.endpoint = step.load.endpoint;
      out.load = load;
    }
    return out;
  });
  const webhooks: WebhookTarget[] = (input.webhooks ?? []).map((hook, i) => ({
    url: hook.url,
    events: hook.events ?? ['start', 'step', 'breach', 'rollback', 'done'],
    timeoutMs: durationAt(hook.timeout, `webhooks[${i}].timeout`, ignored, MAX_WEBHOOK_TIMEOUT) ?? 5_000,
    retries: hook.retries ?? 2,
    headers: hook.headers ?? {},
  }));
  const plan: Plan = {
    name: input.name ?? fallbackName,
    precheck: input.precheck ?? true,
    onBreach: input.on_breach ?? 'rollback',
    limits,
    steps,
    webhooks,
  };
  if (input.target !== undefined) plan.target = input.target;
  if (input.allow_decrease === true) plan.allowDecrease = true;
  return plan;
}
