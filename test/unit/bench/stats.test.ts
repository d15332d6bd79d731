import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { median, pairedRatio, quantile, ratio, slope, spread } from '../../../src/bench/stats.js';
import { bisect, highestPassingRate, judgeFlat, judgeStep, type BacklogSample } from '../../../src/bench/flatness.js';

describe('median and spread', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
  it('leaves out runs that measured nothing', () => {
    expect(spread([10, null, 30, undefined, Number.NaN, 20])).toEqual({ median: 20, min: 10, max: 30, n: 3 });
    expect(spread([null])).toEqual({ median: null, min: null, max: null, n: 0 });
  });
  it('keeps the median between min and max', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1 }), (values) => {
      const s = spread(values);
      return s.min! <= s.median! && s.median! <= s.max! && s.n === values.length;
    }));
  });
});

describe('ratios', () => {
  it('refuses to divide by zero or by nothing', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
    expect(ratio(3, 4)).toBe(0.75);
  });
  it('pairs runs one by one', () => {
    expect(pairedRatio([50, 60, 70], [100, 100, 100])).toEqual({ median: 0.6, min: 0.5, max: 0.7, n: 3 });
    expect(pairedRatio([50, null], [100, 100]).n).toBe(1);
  });
});

describe('quantile and slope', () => {
  it('uses the nearest rank', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.5)).toBeNull();
  });
  it('fits a line', () => {
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(slope([{ x: 1, y: 1 }])).toBe(0);
  });
});

const series = (values: number[], stepMs = 1_000): BacklogSample[] => values.map((unconsumed, i) => ({ tMs: (i + 1) * stepMs, unconsumed }));

describe('backlog flatness', () => {
  it('calls a small, steady backlog flat', () => {
    const verdict = judgeFlat(series([100, 300, 200, 250, 180, 220, 210, 190, 230, 200]), 20_000);
    expect(verdict.flat).toBe(true);
    expect(verdict.endBacklog).toBe(200);
  });
  it('refuses a backlog that ends above one second of ingest', () => {
    const verdict = judgeFlat(series([5_000, 10_000, 15_000, 20_000, 25_000]), 20_000);
    expect(verdict.flat).toBe(false);
    expect(verdict.reason).toMatch(/one second/);
  });
  it('refuses a backlog that is still small but growing', () => {
    // +1,000/s over the second half: 5% of a 20,000/s ingest.
    const verdict = judgeFlat(series([0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000]), 20_000);
    expect(verdict.flat).toBe(false);
    expect(verdict.reason).toMatch(/growing/);
  });
  it('ignores an early burst that has drained by the second half', () => {
    expect(judgeFlat(series([8_000, 12_000, 6_000, 500, 300, 200, 250, 150, 200, 180]), 20_000).flat).toBe(true);
  });
  it('will not judge from too few samples', () => {
    expect(judgeFlat(series([0, 0]), 1_000).flat).toBe(false);
  });
});

describe('rate steps', () => {
  const flat = { flat: true, endBacklog: 0, growthPerS: 0, reason: 'flat' };
  it('needs the rate to have really run, few errors and a flat backlog', () => {
    expect(judgeStep({ targetRate: 10_000, achievedRate: 9_990, errorRate: 0, flat }).ok).toBe(true);
    expect(judgeStep({ targetRate: 10_000, achievedRate: 8_800, errorRate: 0, flat }).reason).toMatch(/only 8800/);
    expect(judgeStep({ targetRate: 10_000, achievedRate: 10_000, errorRate: 0.01, flat }).ok).toBe(false);
    expect(judgeStep({ targetRate: 10_000, achievedRate: 10_000, errorRate: 0, flat: { ...flat, flat: false, reason: 'growing' } }).reason).toBe('growing');
  });
  it('takes the highest step before the first failure', () => {
    expect(highestPassingRate([{ targetRate: 5_000, ok: true }, { targetRate: 10_000, ok: true }, { targetRate: 20_000, ok: false }, { targetRate: 30_000, ok: true }])).toBe(10_000);
    expect(highestPassingRate([{ targetRate: 15_000, ok: true }, { targetRate: 5_000, ok: true }, { targetRate: 12_500, ok: false }])).toBe(5_000);
    expect(highestPassingRate([{ targetRate: 5_000, ok: false }])).toBeNull();
  });
  it('bisects between a passing and a failing rate on a grain', () => {
    expect(bisect(5_000, 10_000)).toBe(7_500);
    expect(bisect(7_500, 10_000)).toBe(9_000);
    expect(bisect(9_500, 10_000)).toBeUndefined();
  });
});
