import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketUpperBound } from '../../../src/runtime/metrics/latency-histogram.js';
import { LifetimeCounters, parseInstanceCounters } from '../../../src/runtime/metrics/lifetime-counters.js';
import { SlidingWindowMetrics } from '../../../src/runtime/metrics/sliding-window.js';

describe('LifetimeCounters', () => {
  it('counts requests, errors and latency buckets by upper bound, per path, never windowed', () => {
    let now = 1_700_000_000_000;
    const m = new SlidingWindowMetrics({ now: () => now });
    m.record('stream', 3, false);
    m.record('stream', 3.01, true);
    m.record('traditional', 100_000, false); // past the last octave: the overflow bucket
    now += 120_000; // two windows later: the window is empty, the counters are not
    const doc = m.counters('i-1');
    expect(m.summary().summary.stream.requests).toBe(0);
    expect(doc).toMatchObject({ id: 'i-1', started_at_ms: 1_700_000_000_000, read_at_ms: now });
    expect(doc.paths.stream).toEqual({ requests: 2, errors: 1, latency_ms: { buckets: [[bucketUpperBound(bucketIndex(3)), 2]], sum_ms: 6.01, count: 2 } });
    expect(doc.paths.traditional.latency_ms.buckets).toEqual([['+Inf', 1]]);
    expect(parseInstanceCounters(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
  });

  it('counts past 2^32 in one bucket (Uint32 would wrap at 20k uploads/s in under 2.5 days)', () => {
    const c = new LifetimeCounters();
    c.record('stream', 5, false);
    // Reach into the counts to stand for 4.3e9 earlier uploads at 5 ms.
    const buckets = (c as unknown as { buckets: Float64Array }).buckets;
    buckets[bucketIndex(5)] = 2 ** 32;
    c.record('stream', 5, false);
    expect(c.toJSON('stream').latency_ms.buckets).toEqual([[bucketUpperBound(bucketIndex(5)), 2 ** 32 + 1]]);
  });

  it('a NaN or negative duration counts the request at 0 ms, so sums stay numbers', () => {
    const c = new LifetimeCounters();
    c.record('stream', Number.NaN, false);
    c.record('stream', -4, false);
    expect(c.toJSON('stream')).toMatchObject({ requests: 2, latency_ms: { sum_ms: 0, count: 2 } });
    expect(c.lifetime('stream')).toEqual({ count: 2, sumMs: 0 });
  });

  it('refuses malformed counters read back from Redis', () => {
    const good = new SlidingWindowMetrics().counters('x');
    for (const bad of [null, { ...good, id: '' }, { ...good, paths: { stream: { ...good.paths.stream, requests: 3 }, traditional: good.paths.traditional } }]) {
      expect(() => parseInstanceCounters(bad)).toThrow(TypeError);
    }
  });
});
