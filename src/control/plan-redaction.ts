import { REDACTED, redactHeaders, redactUrl } from '../shared/redact.js';
import type { Plan, WebhookTarget } from './plan.js';

/**
 * A webhook as it may be written anywhere (journal, `--dry-run`, `scenario plan`): its URL
 * without userinfo, query values or fragment, every header value `***` (shared/redact.ts). Pure.
 */
export function redactWebhook(hook: WebhookTarget): WebhookTarget {
  return { ...hook, url: redactUrl(hook.url), headers: redactHeaders(hook.headers) };
}

/**
 * The plan with its webhooks redacted: what the journal's `run_started` holds and every plan
 * printout shows. The journal is a plain file others read (issue 18: a bearer header and a
 * `?token=` URL were in it, mode 0644); the engine never needs the secrets, only the notifier
 * the CLI builds from the scenario does. Pure.
 */
export function redactPlan(plan: Plan): Plan {
  return plan.webhooks.length === 0 ? plan : { ...plan, webhooks: plan.webhooks.map(redactWebhook) };
}

/** True when a journalled hook had something hidden: the journal no longer has what to send. */
function lostSecrets(hook: WebhookTarget): boolean {
  return hook.url.includes(REDACTED) || Object.values(hook.headers).includes(REDACTED);
}

export interface ResumedWebhooks {
  /** The hooks to call: the scenario file's for those whose secrets the journal hid. */
  hooks: WebhookTarget[];
  /** Redacted URLs of journalled hooks left out: secrets hidden, and no scenario file given that has them. */
  missing: string[];
}

/**
 * Which webhooks a resumed run calls. The journal holds them redacted, so a hook with a secret is
 * taken from the scenario file given with `--resume` when that file has one that redacts to the
 * same (same host, path, query names, header names, events); otherwise it is left out and named,
 * since calling it with `***` for a token would only fail. Hooks without secrets are used as
 * journalled. Pure.
 */
export function webhooksForResume(journalled: readonly WebhookTarget[], fromFile: readonly WebhookTarget[] = []): ResumedWebhooks {
  const hooks: WebhookTarget[] = [];
  const missing: string[] = [];
  const available = [...fromFile];
  for (const hook of journalled) {
    const key = JSON.stringify(redactWebhook(hook));
    const index = available.findIndex((candidate) => JSON.stringify(redactWebhook(candidate)) === key);
    if (index >= 0) {
      hooks.push(available[index]!);
      available.splice(index, 1);
    } else if (!lostSecrets(hook)) {
      hooks.push(hook);
    } else {
      missing.push(hook.url);
    }
  }
  return { hooks, missing };
}
