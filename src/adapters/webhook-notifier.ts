import { request } from 'undici';
import type { Notification, Notifier, NotifyKind } from '../ports/notifier.js';

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
  onFailure?: (url: string, kind: NotifyKind, message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * POSTs each subscribed event as JSON. Delivery runs in the background so a slow receiver
 * never delays a rollback; `flush()` waits for what is in flight (the run's end).
 */
export class WebhookNotifier implements Notifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly hooks: WebhookConfig[], private readonly options: WebhookOptions = {}) {}

  notify(notification: Notification): void {
    for (const hook of this.hooks) {
      if (!hook.events.includes(notification.kind)) continue;
      const delivery = this.deliver(hook, notification).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async deliver(hook: WebhookConfig, notification: Notification): Promise<void> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let last = '';
    for (let attempt = 0; attempt <= hook.retries; attempt++) {
      if (attempt > 0) await sleep((this.options.backoffMs ?? 500) * 2 ** (attempt - 1));
      try {
        const response = await request(hook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'streamctl', ...hook.headers },
          body: JSON.stringify({ event: notification.kind, ...notification }),
          headersTimeout: hook.timeoutMs,
          bodyTimeout: hook.timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        last = `answered ${response.statusCode}`;
        // 4xx other than 408/429 will not improve with retries.
        if (response.statusCode < 500 && response.statusCode !== 408 && response.statusCode !== 429) break;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    this.options.onFailure?.(hook.url, notification.kind, last);
  }
}
