import type { Clock } from '../../src/ports/clock.js';

/** Time moves only when the code under test sleeps: a 5-minute observation takes microseconds. */
export class FakeClock implements Clock {
  slept = 0;
  constructor(public current = Date.parse('2025-01-01T12:00:00.000Z')) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.current += Math.max(0, ms);
    this.slept += Math.max(0, ms);
    // Yield to the event loop so HTTP I/O and abort handlers interleave as they would for real.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
