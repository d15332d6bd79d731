import { Agent, request } from 'undici';
import type { Notification, Notifier, NotifyKind } from '../ports/notifier.js';
import { errorMessage } from '../shared/errors.js';
import { redactUrl, scrubSecrets, secretsOf } from '../shared/redact.js';

export interface WebhookConfig {
  url: string;
  events: NotifyKind[];
  timeoutMs: number;
  retries: number;
  headers: Record<string, string>;
}

export interface WebhookOptions {
  /** First retry delay; doubles each retry (500 ms, 1 s, 2 s ...). */
  backoffMs?: number;
  /** A delivery that failed after its retries: the URL redacted, the message scrubbed of the hook's secrets. */
  onFailure?: (url: string, kind: NotifyKind, message: string) => void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const DEFAULT_BACKOFF_MS = 500;
/** A receiver's answer is read to its end up to this (undici's default), then the socket is dropped. */
const DUMP_LIMIT_BYTES = 128 * 1024;

/**
 * The longest one delivery to `hook` can take, ms: every attempt bounded by its timeout, plus the
 * backoff between attempts (500 ms doubling). What a run's end may wait for this hook. Pure.
 */
export function deliveryBoundMs(hook: Pick<WebhookConfig, 'timeoutMs' | 'retries'>, backoffMs = DEFAULT_BACKOFF_MS): number {
  const attempts = hook.retries + 1;
  return attempts * hook.timeoutMs + backoffMs * (2 ** hook.retries - 1);
}

/**
 * POSTs each subscribed event as JSON. Delivery runs in the background so a slow receiver
 * never delays a rollback.
 *
 * Every attempt is bounded end to end by the hook's timeout (an AbortSignal over the request,
 * its headers and its body): undici's own headers and body timeouts only bound the gaps between
 * bytes, so a receiver that answered its headers and then sent one byte per second held a
 * delivery, and the process, forever (issue 18). The answer's body is read (up to undici's 128
 * KiB dump limit) or the socket destroyed. The notifier has its own connection pool, closed by
 * `close()`, so no socket of a receiver outlives the run.
 */
export class WebhookNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly closing = new AbortController();
  private readonly agent = new Agent({ keepAliveTimeout: 1_000 });

  constructor(private readonly hooks: WebhookConfig[], private readonly options: WebhookOptions = {}) {}

  notify(notification: Notification): void {
    if (this.closing.signal.aborted) return;
    for (const hook of this.hooks) {
      if (!hook.events.includes(notification.kind)) continue;
      const delivery = this.deliver(hook, notification).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** The longest any delivery can take, ms (0 without hooks). */
  boundMs(): number {
    return Math.max(0, ...this.hooks.map((hook) => deliveryBoundMs(hook, this.options.backoffMs)));
  }

  /**
   * Waits for deliveries in flight; with `withinMs`, at most that long, then cancels what is still
   * going (reported through onFailure). Never throws.
   */
  async flush(withinMs?: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = withinMs === undefined ? null : new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, withinMs));
      timer.unref();
    });
    try {
      while (this.inFlight.size > 0) {
        const all = Promise.all([...this.inFlight]).then(() => 'done' as const);
        if ((await (deadline ? Promise.race([all, deadline.then(() => 'late' as const)]) : all)) === 'late') {
          this.closing.abort(new Error(`cancelled: the run ended ${withinMs} ms ago`));
          await Promise.all([...this.inFlight]);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Cancels every delivery and closes the notifier's sockets; nothing of it keeps the process alive. */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new Error('cancelled: the notifier was closed'));
    await Promise.all([...this.inFlight]);
    await this.agent.destroy().catch(() => undefined);
  }

  private async deliver(hook: WebhookConfig, notification: Notification): Promise<void> {
    const sleep = this.options.sleep ?? abortableSleep;
    let last = '';
    for (let attempt = 0; attempt <= hook.retries; attempt++) {
      if (attempt > 0) await sleep((this.options.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1), this.closing.signal);
      if (this.closing.signal.aborted) {
        last = errorMessage(this.closing.signal.reason);
        break;
      }
      const outcome = await this.attempt(hook, notification);
      if (outcome.ok) return;
      last = outcome.message;
      if (!outcome.retry) break;
    }
    this.options.onFailure?.(redactUrl(hook.url), notification.kind, scrubSecrets(last, secretsOf(hook.url, hook.headers)));
  }

  /** One POST, bounded by `hook.timeoutMs` from the first byte sent to the last byte read. */
  private async attempt(hook: WebhookConfig, notification: Notification): Promise<{ ok: true } | { ok: false; retry: boolean; message: string }> {
    const signal = AbortSignal.any([AbortSignal.timeout(hook.timeoutMs), this.closing.signal]);
    let body: { destroy(): unknown } | undefined;
    try {
      const response = await request(hook.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'streamctl', ...hook.headers },
        body: JSON.stringify({ event: notification.kind, ...notification }),
        headersTimeout: hook.timeoutMs,
        bodyTimeout: hook.timeoutMs,
        signal,
      });
      body = response.body;
      await response.body.dump({ limit: DUMP_LIMIT_BYTES, signal });
      body = undefined;
      if (response.statusCode < 300) return { ok: true };
      // 4xx other than 408/429 will not improve with retries.
      const retry = response.statusCode >= 500 || response.statusCode === 408 || response.statusCode === 429;
      return { ok: false, retry, message: `answered ${response.statusCode}` };
    } catch (error) {
      const message = signal.aborted && !this.closing.signal.aborted ? `no complete answer within ${hook.timeoutMs} ms` : errorMessage(signal.aborted ? signal.reason : error);
      return { ok: false, retry: true, message };
    } finally {
      body?.destroy();
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
