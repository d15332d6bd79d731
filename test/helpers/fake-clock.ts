import type { Clock } from '../../src/ports/clock.js';

interface Timer {
  due: number;
  everyMs: number;
  task: () => Promise<void>;
  signal: AbortSignal | undefined;
  once: boolean;
}

/** The monotonic clock's arbitrary origin: far from any epoch, so mixing the two clocks shows. */
const MONO_ORIGIN = 5_000_000;

/**
 * Time moves only when the code under test sleeps: a 5-minute observation takes microseconds.
 * Two clocks, steerable apart: `current` is wall time (`now()`), `mono` monotonic time; a sleep
 * moves both, `stepWall` only the wall (an NTP correction). Background timers (`every`, `after`)
 * fire in order while someone sleeps across their due time, each awaited before time moves on,
 * so a lease renewal during a 60 s sample wait happens at 20 s and 40 s, deterministically.
 */
export class FakeClock implements Clock {
  /** Total ms all sleeps moved the clocks. */
  slept = 0;
  mono = MONO_ORIGIN;
  private readonly timers: Timer[] = [];
  private readonly origin: number;

  constructor(public current = Date.parse('2025-01-01T12:00:00.000Z')) {
    this.origin = current;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.mono;
  }

  /** Steps the wall clock by `deltaMs` (negative: back), as NTP does; monotonic time and sleepers are untouched. */
  stepWall(deltaMs: number): void {
    this.current += deltaMs;
  }

  /** What a host whose clock never stepped reads now: the start plus the monotonic time passed (the fake service's lease clock). */
  trueNow(): number {
    return this.origin + (this.mono - MONO_ORIGIN);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    const until = this.mono + Math.max(0, ms);
    for (let timer = this.nextDue(until); timer; timer = this.nextDue(until)) {
      this.advance(timer.due - this.mono);
      if (timer.once) this.timers.splice(this.timers.indexOf(timer), 1);
      else timer.due += timer.everyMs;
      await timer.task();
      if (signal?.aborted) break; // e.g. the task found the lease lost
    }
    if (!signal?.aborted) this.advance(until - this.mono);
    // Yield to the event loop so HTTP I/O and abort handlers interleave as they would for real.
    await new Promise((resolve) => setImmediate(resolve));
  }

  every(everyMs: number, task: () => Promise<void>, signal: AbortSignal): void {
    if (signal.aborted) return;
    this.timers.push({ due: this.mono + Math.max(1, everyMs), everyMs: Math.max(1, everyMs), task, signal, once: false });
  }

  /** Test hook: runs `task` once, `afterMs` of monotonic time from now, inside whichever sleep crosses it. */
  after(afterMs: number, task: () => Promise<void> | void): void {
    this.timers.push({ due: this.mono + afterMs, everyMs: 0, task: async () => task(), signal: undefined, once: true });
  }

  private nextDue(until: number): Timer | undefined {
    for (let i = this.timers.length - 1; i >= 0; i--) if (this.timers[i]!.signal?.aborted) this.timers.splice(i, 1);
    let next: Timer | undefined;
    for (const timer of this.timers) if (timer.due <= until && (!next || timer.due < next.due)) next = timer;
    return next;
  }

  private advance(ms: number): void {
    if (ms <= 0) return;
    this.mono += ms;
    this.current += ms;
    this.slept += ms;
  }
}
