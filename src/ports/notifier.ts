/** Webhook kinds a scenario can subscribe to. */
export type NotifyKind = 'start' | 'step' | 'breach' | 'rollback' | 'done';

export interface Notification {
  kind: NotifyKind;
  runId: string;
  at: string;
  [field: string]: unknown;
}

/**
 * Fire-and-forget delivery. `flush` waits for what is in flight, at most `withinMs` when given,
 * then cancels the rest: the CLI calls it after a run's result is printed, so a receiver never
 * holds the lease, the result or the process (issue 18). Never throws.
 */
export interface Notifier {
  notify(notification: Notification): void;
  flush(withinMs?: number): Promise<void>;
}

export const nullNotifier: Notifier = { notify() {}, flush: async () => {} };
