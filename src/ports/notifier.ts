/** Webhook kinds a scenario can subscribe to. */
export type NotifyKind = 'start' | 'step' | 'breach' | 'rollback' | 'done';

export interface Notification {
  kind: NotifyKind;
  runId: string;
  at: string;
  [field: string]: unknown;
}

/** Fire-and-forget delivery; `flush` waits for what is in flight. Never throws. */
export interface Notifier {
  notify(notification: Notification): void;
  flush(): Promise<void>;
}

export const nullNotifier: Notifier = { notify() {}, flush: async () => {} };
