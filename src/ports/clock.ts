/**
 * Two clocks, never mixed: `now()` is wall time for records and display only; `monotonic()`
 * measures every interval, deadline, timeout and lease renewal. The wall clock can step (an
 * NTP correction moved it back 120 s mid-run in issue 18: the run stalled two minutes and its
 * lease expired while it was alive); the monotonic clock never does.
 */
export interface Clock {
  /** Wall time, ms since the Unix epoch. For records and what is shown; never subtract two of these to time something. */
  now(): number;
  /**
   * Monotonic ms from an arbitrary origin (`performance.now()`): only differences mean anything.
   * It does not count time a suspended machine slept (Linux CLOCK_MONOTONIC).
   */
  monotonic(): number;
  /** Resolves after `ms` of monotonic time, or at once when `signal` aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Runs `task` every `everyMs` of monotonic time, the first run `everyMs` from now, until `signal`
   * aborts: a background timer (the lease renewal) that keeps going while the caller waits on
   * something else (a manual gate, a load, a webhook). A run still going delays the next one, so
   * two never overlap. `task` must not reject. The timer alone does not keep the process alive.
   */
  every(everyMs: number, task: () => Promise<void>, signal: AbortSignal): void;
}
