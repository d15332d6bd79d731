import { describe, expect, it } from 'vitest';
import {
  SlidingWindowMetrics,
  mergeSnapshots,
  parseSnapshot,
  type MetricsSummary,
} from '../../../src/runtime/metrics/sliding-window.js';

/** Fake clock starting at an arbitrary wall time that is not bucket-aligned. */
function fakeClock(start = 1_700_000_000_250) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), get t() { return t; } };
}

describe('SlidingWindowMetrics', () => {
  it('reports the spec shape with zeros when idle', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    const s = m.summary();
    expect(s).toEqual({
      summary: {
        stream: { requests: 0, qps: 0, avg_response_time: 0, p95_response_time: 0, p99_response_time: 0, error_rate: 0, errors: 0 },
        traditional: { requests: 0, qps: 0, avg_response_time: 0, p95_response_time: 0, p99_response_time: 0, error_rate: 0, errors: 0 },
      },
      duration_seconds: 1, // at least 1 s even right after start
      window_seconds: 60,
      timestamp: clock.t / 1000,
    });
  });

  it('gives qps and duration over the covered part of a partial window', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    for (let i = 0; i < 100; i++) {
      m.record('stream', 10, false);
      clock.advance(100); // 10 requests/s for 10 s
    }
    const s = m.summary();
    expect(s.duration_seconds).toBe(10);
    expect(s.summary.stream.requests).toBe(100);
    expect(s.summary.stream.qps).toBe(10);
    expect(s.summary.stream.avg_response_time).toBe(10);
    expect(s.summary.traditional.requests).toBe(0);
  });

  it('caps duration at the window and forgets samples older than the window', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    m.record('traditional', 5000, true); // slow error at t=0
    for (let i = 0; i < 90; i++) {
      clock.advance(1000);
      m.record('traditional', 20, false);
    }
    const s = m.summary();
    expect(s.duration_seconds).toBe(60);
    // Only the last 60 one-second buckets count: the early error and 30 old requests are gone.
    expect(s.summary.traditional.requests).toBe(60);
    expect(s.summary.traditional.errors).toBe(0);
    expect(s.summary.traditional.qps).toBe(1);
    expect(s.summary.traditional.p99_response_time).toBe(20);

    clock.advance(60_000);
    expect(m.summary().summary.traditional.requests).toBe(0);
    // Recording after a long idle gap reuses the stale slot cleanly.
    m.record('traditional', 1, false);
    expect(m.summary().summary.traditional).toMatchObject({ requests: 1, avg_response_time: 1 });
  });

  it('expires per bucket as the window slides', () => {
    const clock = fakeClock(0);
    const m = new SlidingWindowMetrics({ now: clock.now, windowMs: 10_000, bucketMs: 1_000 });
    m.record('stream', 1, false); // bucket [0, 1000)
    clock.advance(1000);
    m.record('stream', 1, false); // bucket [1000, 2000)
    clock.advance(8999); // t = 9999: both still inside the 10 buckets ending now
    expect(m.summary().summary.stream.requests).toBe(2);
    clock.advance(1); // t = 10000: bucket 0 leaves the window
    expect(m.summary().summary.stream.requests).toBe(1);
    clock.advance(1000);
    expect(m.summary().summary.stream.requests).toBe(0);
  });

  it('reports error_rate as a percent rounded to 2 decimals, errors counted as requests', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    for (let i = 0; i < 3; i++) m.record('stream', 10, i === 0);
    const s = m.summary().summary.stream;
    expect(s.requests).toBe(3);
    expect(s.errors).toBe(1);
    expect(s.error_rate).toBe(33.33);
  });

  it('computes p95/p99 from the histogram within its error bound', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    for (let i = 1; i <= 1000; i++) m.record('stream', i, false); // exact p95 = 950, p99 = 990
    const s = m.summary().summary.stream;
    expect(s.p95_response_time).toBeGreaterThanOrEqual(950);
    expect(s.p95_response_time).toBeLessThanOrEqual(950 * (1 + 1 / 64));
    expect(s.p99_response_time).toBeGreaterThanOrEqual(990);
    expect(s.p99_response_time).toBeLessThanOrEqual(990 * (1 + 1 / 64));
    expect(s.avg_response_time).toBe(500.5);
  });

  it('keeps recording into the newest bucket when the wall clock steps backwards', () => {
    const clock = fakeClock(100_000);
    const m = new SlidingWindowMetrics({ now: clock.now });
    clock.advance(5000);
    m.record('stream', 1, false);
    clock.advance(-70_000); // further back than the window: unpinned, this sample would vanish at once
    m.record('stream', 1, false);
    clock.advance(70_000);
    expect(m.summary().summary.stream.requests).toBe(2);
  });

  it('rejects windows that are not a whole number of buckets', () => {
    expect(() => new SlidingWindowMetrics({ windowMs: 1500, bucketMs: 1000 })).toThrow(RangeError);
    expect(() => new SlidingWindowMetrics({ bucketMs: 0 })).toThrow(RangeError);
  });
});

describe('snapshots across instances', () => {
  function feed(seed: number, sink: (path: 'stream' | 'traditional', ms: number, err: boolean) => void): void {
    let x = seed;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); // seeded LCG
    for (let i = 0; i < 500; i++) sink(rand() < 0.3 ? 'stream' : 'traditional', 0.05 + rand() * rand() * 3000, rand() < 0.05);
  }

  function expectSameSummary(a: MetricsSummary, b: MetricsSummary): void {
    expect(a.duration_seconds).toBe(b.duration_seconds);
    expect(a.window_seconds).toBe(b.window_seconds);
    expect(a.timestamp).toBe(b.timestamp);
    for (const path of ['stream', 'traditional'] as const) {
      const [x, y] = [a.summary[path], b.summary[path]];
      expect(x.requests).toBe(y.requests);
      expect(x.errors).toBe(y.errors);
      expect(x.error_rate).toBe(y.error_rate);
      expect(x.p95_response_time).toBe(y.p95_response_time);
      expect(x.p99_response_time).toBe(y.p99_response_time);
      // Float sums added in another order may differ in the last bit before rounding.
      expect(x.qps).toBeCloseTo(y.qps, 1);
      expect(x.avg_response_time).toBeCloseTo(y.avg_response_time, 1);
    }
  }

  it('merging two instances equals one instance fed both streams', () => {
    const clock = fakeClock();
    const a = new SlidingWindowMetrics({ now: clock.now });
    const b = new SlidingWindowMetrics({ now: clock.now });
    const one = new SlidingWindowMetrics({ now: clock.now });
    for (let step = 0; step < 20; step++) {
      feed(step + 1, (p, ms, e) => (a.record(p, ms, e), one.record(p, ms, e)));
      feed(step + 101, (p, ms, e) => (b.record(p, ms, e), one.record(p, ms, e)));
      clock.advance(700);
    }
    const merged = mergeSnapshots([a.snapshot(), b.snapshot()], clock.t, 60);
    expectSameSummary(merged, one.summary());
    expect(merged.summary.stream.requests + merged.summary.traditional.requests).toBe(20_000);
  });

  it('survives a JSON round trip and matches summary()', () => {
    const clock = fakeClock();
    const m = new SlidingWindowMetrics({ now: clock.now });
    feed(42, (p, ms, e) => m.record(p, ms, e));
    clock.advance(2500);
    const wire = JSON.parse(JSON.stringify(m.snapshot()));
    const parsed = parseSnapshot(wire);
    expect(parsed).toEqual(m.snapshot());
    expectSameSummary(mergeSnapshots([parsed], clock.t, 60), m.summary());
  });

  it('sums per-instance rates and skips snapshots whose data has all expired', () => {
    const clock = fakeClock();
    const old = new SlidingWindowMetrics({ now: clock.now });
    for (let i = 0; i < 60; i++) (old.record('stream', 1, false), clock.advance(1000));
    const young = new SlidingWindowMetrics({ now: clock.now });
    for (let i = 0; i < 50; i++) young.record('stream', 1, false);
    clock.advance(5000);
    // old: 54 requests left in its 60 s window (the first 6 s expired); young: 50 requests over 5 s.
    const merged = mergeSnapshots([old.snapshot(), young.snapshot()], clock.t, 60);
    expect(merged.summary.stream.requests).toBe(104);
    expect(merged.summary.stream.qps).toBe(10.9);
    expect(merged.duration_seconds).toBe(60);

    const stale = old.snapshot();
    clock.advance(60_000);
    const later = mergeSnapshots([stale], clock.t, 60);
    expect(later.summary.stream.requests).toBe(0);
    expect(later.duration_seconds).toBe(0);
  });

  it('rejects malformed snapshots', () => {
    const m = new SlidingWindowMetrics({ now: fakeClock().now });
    m.record('stream', 1, true);
    const good = JSON.parse(JSON.stringify(m.snapshot()));
    const bad = [
      null,
      { ...good, v: 99 },
      { ...good, end_ms: 'x' },
      { ...good, start_ms: good.end_ms + 1 },
      { ...good, paths: { ...good.paths, stream: { ...good.paths.stream, requests: 2 } } },
      { ...good, paths: { ...good.paths, stream: { ...good.paths.stream, errors: 5 } } },
      { ...good, paths: { stream: good.paths.stream } },
    ];
    for (const s of bad) expect(() => parseSnapshot(s), JSON.stringify(s)).toThrow(TypeError);
  });
});
