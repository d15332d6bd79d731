import { performance } from 'node:perf_hooks';
import type { Clock } from '../ports/clock.js';

/**
 * The machine's clocks. Node's timers (`setTimeout`) run on libuv's monotonic clock, so `sleep`
 * and `every` are not stretched or cut short by a wall-clock step; `monotonic()` is
 * `performance.now()` (CLOCK_MONOTONIC on Linux).
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  },
  every(everyMs, task, signal) {
    if (signal.aborted) return;
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      timer = setTimeout(() => {
        void task().finally(() => {
          if (!signal.aborted) schedule();
        });
      }, Math.max(1, everyMs));
      // The run's own work keeps the process alive; a renewal timer must never be why it lingers.
      timer.unref();
    };
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
    schedule();
  },
};
