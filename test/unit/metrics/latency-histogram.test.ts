import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUCKET_COUNT,
  LatencyHistogram,
  RELATIVE_ERROR,
  bucketIndex,
  bucketUpperBound,
  quantileRank,
} from '../../../src/runtime/metrics/latency-histogram.js';

/** The documented bound (64 sub-buckets per octave), written out so a layout change fails here. */
const PROMISED_ERROR = 1 / 64;

/** Latencies spread log-uniformly over 0.01 ms .. 60 s, the range the histogram promises. */
const latency = fc.double({ min: Math.log(0.01), max: Math.log(60_000), noNaN: true }).map((x) => Math.exp(x));

function exactQuantile(sorted: number[], q: number): number {
  return sorted[quantileRank(q, sorted.length) - 1]!;
}

describe('LatencyHistogram', () => {
  it('reports quantiles within the relative error bound of an exact sort', () => {
    expect(RELATIVE_ERROR).toBe(PROMISED_ERROR);
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), (samples, q) => {
        const h = new LatencyHistogram();
        for (const s of samples) h.record(s);
        const sorted = [...samples].sort((a, b) => a - b);
        for (const quant of [q, 0.5, 0.95, 0.99, 1]) {
          const exact = exactQuantile(sorted, quant);
          const got = h.quantile(quant);
          // Upper bucket edge: never below the true value, at most RELATIVE_ERROR above it.
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got).toBeLessThanOrEqual(exact * (1 + PROMISED_ERROR));
        }
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });

  it('keeps count, sum and max exact', () => {
    const h = new LatencyHistogram();
    for (const v of [1, 2.5, 100, 0.02]) h.record(v);
    expect(h.count).toBe(4);
    expect(h.sum).toBeCloseTo(103.52, 10);
    expect(h.max).toBe(100);
  });

  it('returns 0 when empty and the max for overflow values', () => {
    const h = new LatencyHistogram();
    expect(h.quantile(0.99)).toBe(0);
    h.record(120_000);
    expect(bucketIndex(120_000)).toBe(BUCKET_COUNT - 1);
    expect(h.quantile(0.5)).toBe(120_000);
  });

  it('counts NaN, negative and infinite latencies as 0 ms so sums stay finite', () => {
    const h = new LatencyHistogram();
    for (const v of [Number.NaN, -5, Infinity]) h.record(v);
    expect(h.count).toBe(3);
    expect(h.sum).toBe(0);
    expect(h.quantile(1)).toBe(0);
  });

  it('has monotonic bucket edges and places each value below its bucket edge', () => {
    for (let i = 1; i < BUCKET_COUNT; i++) expect(bucketUpperBound(i)).toBeGreaterThan(bucketUpperBound(i - 1));
    fc.assert(
      fc.property(latency, (v) => {
        const i = bucketIndex(v);
        expect(v).toBeLessThan(bucketUpperBound(i));
        if (i > 0) expect(v).toBeGreaterThanOrEqual(bucketUpperBound(i - 1));
      }),
      { seed: 7 },
    );
  });

  it('computes ranks without float noise', () => {
    expect(quantileRank(0.07, 100)).toBe(7);
    expect(quantileRank(0.95, 100)).toBe(95);
    expect(quantileRank(0.951, 100)).toBe(96);
    expect(quantileRank(0, 10)).toBe(1);
    expect(quantileRank(1, 10)).toBe(10);
  });

  it('merges to the same histogram as recording both streams into one', () => {
    fc.assert(
      fc.property(fc.array(latency), fc.array(latency), (xs, ys) => {
        const a = new LatencyHistogram();
        const b = new LatencyHistogram();
        const both = new LatencyHistogram();
        for (const x of xs) (a.record(x), both.record(x));
        for (const y of ys) (b.record(y), both.record(y));
        a.merge(b);
        expect(Array.from(a.counts)).toEqual(Array.from(both.counts));
        expect(a.count).toBe(both.count);
        expect(a.max).toBe(both.max);
        expect(a.sum).toBeCloseTo(both.sum, 6);
      }),
      { seed: 11, numRuns: 100 },
    );
  });

  it('round-trips through sparse JSON', () => {
    const h = new LatencyHistogram();
    for (const v of [0.001, 0.5, 0.5, 3, 70_000]) h.record(v);
    const json = JSON.parse(JSON.stringify(h));
    expect(json.b).toHaveLength(4);
    const back = LatencyHistogram.fromJSON(json);
    expect(Array.from(back.counts)).toEqual(Array.from(h.counts));
    expect([back.count, back.sum, back.max]).toEqual([h.count, h.sum, h.max]);
    h.reset();
    expect(LatencyHistogram.fromJSON(JSON.parse(JSON.stringify(h))).count).toBe(0);
  });

  it('rejects malformed JSON', () => {
    const bad: unknown[] = [
      null,
      { v: 2, b: [], sum: 0, max: 0 },
      { v: 1, b: [[BUCKET_COUNT, 1]], sum: 0, max: 0 },
      { v: 1, b: [[0, -1]], sum: 0, max: 0 },
      { v: 1, b: [[0, 1.5]], sum: 0, max: 0 },
      { v: 1, b: [[0, 2 ** 32]], sum: 0, max: 0 },
      { v: 1, b: [[0]], sum: 0, max: 0 },
      { v: 1, b: [], sum: 'x', max: 0 },
      { v: 1, b: [], sum: 0, max: -1 },
    ];
    for (const j of bad) expect(() => LatencyHistogram.fromJSON(j), JSON.stringify(j)).toThrow(TypeError);
  });
});
