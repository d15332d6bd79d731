import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseSample, worstPhase } from '../../../src/control/analysis.js';
import { countSample, decide, stepPassed, ZERO_COUNTERS } from '../../../src/control/decide.js';
import { DEFAULT_LIMITS, DEFAULT_THRESHOLDS } from '../../../src/control/plan.js';
import { parseRatio, parseRatioList } from '../../../src/control/ratio.js';
import type { MetricsSnapshot, PathMetrics } from '../../../src/ports/metrics-source.js';
import { UsageError } from '../../../src/shared/errors.js';

const path = (p: Partial<PathMetrics> = {}): PathMetrics => ({ requests: 100, qps: 1, avgMs: 10, p95Ms: 50, p99Ms: null, errorRate: 0, errors: 0, ...p });
const snap = (stream: Partial<PathMetrics>, traditional: Partial<PathMetrics> = {}, windowSeconds: number | null = 60): MetricsSnapshot => ({
  stream: path(stream), traditional: path(traditional), durationSeconds: 100, windowSeconds, timestamp: 0,
});
const T = { ...DEFAULT_THRESHOLDS, maxP95Ms: 200, maxP95Ratio: 2 };
const at = (r: number) => ({ expected: r, actual: r });

describe('analyseSample', () => {
  it('passes a healthy window and fails each ceiling separately', () => {
    expect(analyseSample(snap({}), T, at(0.3)).verdict).toBe('ok');
    expect(analyseSample(snap({ errorRate: 1.5 }), T, at(0.3)).measurements.find((m) => m.check === 'error_rate')).toMatchObject({ phase: 'failed', value: 1.5, threshold: 1 });
    expect(analyseSample(snap({ p95Ms: 201 }), T, at(0.3)).measurements.find((m) => m.check === 'p95')!.phase).toBe('failed');
    expect(analyseSample(snap({ p95Ms: 150 }, { p95Ms: 50 }), T, at(0.3)).measurements.find((m) => m.check === 'p95_ratio')).toMatchObject({ phase: 'failed', value: 3 });
  });

  it('an error rate exactly at the ceiling passes (the original script used "above 1 %")', () => {
    expect(analyseSample(snap({ errorRate: 1 }), T, at(0.3)).verdict).toBe('ok');
  });

  it('too few stream requests is inconclusive, never ok, whatever the figures', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 19 }), fc.double({ min: 0, max: 100, noNaN: true }), (requests, errorRate) => {
      const sample = analyseSample(snap({ requests, errorRate }), T, at(0.3));
      return sample.verdict === 'inconclusive';
    }));
  });

  it('flags drift and leaves the relative check out when traditional has no baseline', () => {
    expect(analyseSample(snap({}), T, { expected: 0.3, actual: 0.5 }).measurements[0]).toMatchObject({ check: 'ratio_drift', phase: 'failed' });
    const noBaseline = analyseSample(snap({}, { requests: 2 }), T, at(1));
    expect(noBaseline.verdict).toBe('ok');
    expect(noBaseline.notes).toHaveLength(1);
  });

  it('worst phase wins', () => {
    expect(worstPhase(['ok', 'inconclusive', 'failed'])).toBe('failed');
    expect(worstPhase(['ok', 'error', 'failed'])).toBe('error');
    expect(worstPhase([])).toBe('ok');
  });
});

describe('decide', () => {
  const failed = analyseSample(snap({ errorRate: 5 }), T, at(0.3));
  const sparse = analyseSample(snap({ requests: 1 }), T, at(0.3));
  const ok = analyseSample(snap({}), T, at(0.3));
  const error = { verdict: 'error' as const, measurements: [{ check: 'reachability' as const, phase: 'error' as const, value: null, threshold: null, message: 'down' }], figures: null, notes: [] };

  it('failure limit 0 acts on the first breach; limit 1 on the second', () => {
    const c1 = countSample(ZERO_COUNTERS, failed);
    expect(decide(c1, failed, DEFAULT_LIMITS).action).toBe('breach');
    expect(decide(c1, failed, { ...DEFAULT_LIMITS, failureLimit: 1 }).action).toBe('continue');
    expect(decide(countSample(c1, failed), failed, { ...DEFAULT_LIMITS, failureLimit: 1 }).action).toBe('breach');
  });

  it('counts consecutive errors, reset by any answer', () => {
    let c = countSample(countSample(ZERO_COUNTERS, error), error);
    expect(decide(c, error, DEFAULT_LIMITS).action).toBe('continue');
    c = countSample(c, error);
    expect(decide(c, error, DEFAULT_LIMITS).action).toBe('stop_error');
    expect(countSample(c, ok).consecutiveErrors).toBe(0);
  });

  it('inconclusive beyond its limit stops; a step needs one ok sample to pass', () => {
    const c = countSample(countSample(ZERO_COUNTERS, sparse), sparse);
    expect(decide(c, sparse, DEFAULT_LIMITS).action).toBe('stop_inconclusive');
    expect(stepPassed(c)).toBe(false);
    expect(stepPassed(countSample(c, ok))).toBe(true);
  });
});

describe('parseRatio', () => {
  it('accepts decimals in [0, 1] only', () => {
    expect(parseRatio('0.3')).toBe(0.3);
    expect(parseRatio('1')).toBe(1);
    expect(parseRatio('.5')).toBe(0.5);
    expect(parseRatio('1.0')).toBe(1);
    for (const bad of ['NaN', '', 'abc', '1.5', '-0.1', '30%', '0x1', '1e0', 'Infinity', '0.3abc', '2']) {
      expect(() => parseRatio(bad), bad).toThrow(UsageError);
    }
    expect(parseRatioList('0.3, 0.6,1.0')).toEqual([0.3, 0.6, 1]);
    expect(() => parseRatioList('0.3,x')).toThrow(/--steps\[1\]/);
  });
});
