import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseSample } from '../../../src/control/analysis.js';
import { countersInterval, cumulativeInterval, unknownInterval } from '../../../src/control/interval.js';
import { bucketDifference, bucketQuantile, mergeBuckets } from '../../../src/control/latency-buckets.js';
import { DEFAULT_THRESHOLDS } from '../../../src/control/plan.js';
import type { CountersReading, InstanceCounters, MetricsSnapshot, PathCounters, PathMetrics } from '../../../src/ports/metrics-source.js';
import { LatencyHistogram } from '../../../src/runtime/metrics/latency-histogram.js';
import { LifetimeCounters } from '../../../src/runtime/metrics/lifetime-counters.js';

const T = { ...DEFAULT_THRESHOLDS, maxP95Ms: 200 };
const at = (r: number) => ({ expected: r, actual: r });
const T0 = 1_764_000_000_000;

const path = (requests: number, errors: number, buckets: Array<[number, number]> = [[10, requests]]): PathCounters => ({
  requests, errors, latency: { buckets, sumMs: buckets.reduce((s, [u, c]) => s + u * c, 0) },
});
const instance = (id: string, startedAtMs: number, stream: PathCounters, traditional = path(0, 0, [])): InstanceCounters => ({
  id, startedAtMs, readAtMs: 0, stream, traditional,
});
const reading = (seconds: number, ...instances: InstanceCounters[]): CountersReading => ({ timestamp: (T0 + seconds * 1000) / 1000, instances, notNumbers: [] });

describe('latency buckets by upper bound', () => {
  it('differences line buckets up by bound; a bucket going down is a reset', () => {
    expect(bucketDifference([[1, 5], [2, 1]], [[1, 7], [2, 1], [4, 3]])).toEqual({ buckets: [[1, 2], [4, 3]] });
    expect(bucketDifference([[1, 5]], [[1, 4]])).toEqual({ negative: 1 });
    expect(bucketDifference([[8, 1]], [])).toEqual({ negative: 8 });
    expect(mergeBuckets([[[2, 1], [1, 1]], [[1, 3], [Infinity, 1]]])).toEqual([[1, 4], [2, 1], [Infinity, 1]]);
  });

  it('the quantile is the upper bound of the bucket holding rank ceil(q * n); the overflow gives the largest finite bound', () => {
    expect(bucketQuantile([], 0.95)).toBeNull();
    expect(bucketQuantile([[10, 95], [500, 5]], 0.95)).toBe(10);
    expect(bucketQuantile([[10, 94], [500, 6]], 0.95)).toBe(500);
    expect(bucketQuantile([[10, 90], [Infinity, 10]], 0.95)).toBe(10);
  });

  it('a difference of serve\'s cumulative counters gives the p95 its own histogram would for the same requests', () => {
    fc.assert(fc.property(
      fc.array(fc.double({ min: 0, max: 70_000, noNaN: true }), { maxLength: 200 }),
      fc.array(fc.double({ min: 0, max: 70_000, noNaN: true }), { minLength: 1, maxLength: 200 }),
      (before, during) => {
        const counters = new LifetimeCounters();
        const window = new LatencyHistogram();
        for (const ms of before) counters.record('stream', ms, false);
        const first = counters.toJSON('stream');
        for (const ms of during) {
          counters.record('stream', ms, false);
          window.record(ms);
        }
        const second = counters.toJSON('stream');
        const bounds = (j: typeof first) => j.latency_ms.buckets.map(([u, c]) => [u === '+Inf' ? Infinity : u, c] as [number, number]);
        const diff = bucketDifference(bounds(first), bounds(second));
        if ('negative' in diff) return false;
        const p95 = bucketQuantile(diff.buckets, 0.95)!;
        // serve's window clamps to the max it saw; in the overflow the difference gives the last finite bound.
        const own = window.quantile(0.95);
        // Below 2^-7 ms everything is one bucket, whose bound is 2^-7.
        return own >= 65_536 ? p95 <= own : p95 >= own && p95 <= own * (1 + 1 / 64) + 2 ** -7;
      },
    ), { numRuns: 200 });
  });
});

describe('countersInterval', () => {
  it('judges only the traffic between the two reads: a burst before the first does not count', () => {
    // 5000 requests with 2500 errors before the baseline; then 1000 clean ones.
    const before = reading(0, instance('a', T0 - 3_600_000, path(5000, 2500, [[10, 5000]])));
    const after = reading(5, instance('a', T0 - 3_600_000, path(6000, 2500, [[10, 5000], [20, 1000]])));
    const interval = countersInterval(before, after);
    expect(interval.stream).toMatchObject({ requests: 1000, errors: 0, errorRate: 0, p95Ms: 20, qps: 200 });
    expect(interval.intervalSeconds).toBe(5);
    expect(analyseSample(interval, T, at(0.3)).verdict).toBe('ok');
  });

  it('a burst inside the interval fails it, with p95 and p99 from the histogram difference', () => {
    const before = reading(0, instance('a', T0 - 1000, path(100, 0, [[5, 100]])));
    const after = reading(5, instance('a', T0 - 1000, path(200, 30, [[5, 180], [300, 20]])));
    const interval = countersInterval(before, after);
    expect(interval.stream).toMatchObject({ requests: 100, errors: 30, errorRate: 30, p95Ms: 300, p99Ms: 300 });
    const sample = analyseSample(interval, T, at(0.3));
    expect(sample.verdict).toBe('failed');
    expect(sample.figures).toMatchObject({ streamRequests: 100, errorRate: 30, intervalSeconds: 5, p95Span: 'interval', windowSeconds: null });
  });

  it('adds instances up; one that started during the interval counts from zero, one missed before is left out, one gone is noted', () => {
    const before = reading(0,
      instance('a', T0 - 60_000, path(100, 0)),
      instance('gone', T0 - 60_000, path(50, 0)));
    const after = reading(5,
      instance('a', T0 - 60_000, path(150, 1)),
      instance('new', T0 + 2_000, path(30, 3)),
      instance('missed', T0 - 30_000, path(9000, 9000)));
    const interval = countersInterval(before, after);
    expect(interval.stream).toMatchObject({ requests: 80, errors: 4, errorRate: 5 });
    expect(interval.notes).toHaveLength(3);
    expect(interval.notes![0]).toMatch(/instance new started during this interval .*counted from zero/);
    expect(interval.notes![1]).toMatch(/instance missed .* was not in the previous reading: its share of this interval is unknown and left out/);
    expect(interval.notes![2]).toMatch(/instance gone was in the previous reading but not in this one/);
    expect(analyseSample(interval, T, at(0.3)).notes).toEqual(interval.notes);
  });

  it('an instance restarted under the same id is a new instance (matched by id and start time)', () => {
    const before = reading(0, instance('a', T0 - 60_000, path(1000, 500)));
    const after = reading(5, instance('a', T0 + 1_000, path(40, 0)));
    const interval = countersInterval(before, after);
    expect(interval.stream).toMatchObject({ requests: 40, errorRate: 0 });
    expect(interval.notes!.join('\n')).toContain('was in the previous reading but not in this one');
  });

  it('counts that went down (metrics reset without a restart) make the sample inconclusive, saying so', () => {
    const before = reading(0, instance('a', T0 - 60_000, path(1000, 5)));
    const after = reading(5, instance('a', T0 - 60_000, path(200, 0)));
    const sample = analyseSample(countersInterval(before, after), T, at(0.3));
    expect(sample.verdict).toBe('inconclusive');
    expect(sample.measurements.find((m) => m.check === 'error_rate')!.message).toBe('the counters of instance a went backwards (stream requests 1000 -> 200): its metrics were reset, so this interval is unknown');
    expect(sample.figures!.streamRequests).toBeNull();
  });

  it('a count sent as not a number is unknown, naming the field; the other checks still judge', () => {
    const before = reading(0, instance('a', T0 - 60_000, path(1000, 5)));
    const after = { ...reading(5, instance('a', T0 - 60_000, { ...path(2000, 5), errors: null })), notNumbers: ['instances[0].paths.stream.errors'] };
    const sample = analyseSample(countersInterval(before, after), T, at(0.3));
    expect(sample.measurements.find((m) => m.check === 'error_rate')).toMatchObject({ phase: 'inconclusive', message: 'the service sent instances[0].paths.stream.errors as not a number' });
    expect(sample.measurements.find((m) => m.check === 'p95')).toMatchObject({ phase: 'ok', value: 10 });
  });
});

describe('cumulativeInterval (a target without counters)', () => {
  const p = (x: Partial<PathMetrics>): PathMetrics => ({ requests: 0, qps: 0, avgMs: 1, p95Ms: 50, p99Ms: null, errorRate: 0, errors: 0, ...x });
  const snap = (timestamp: number, stream: Partial<PathMetrics>, windowSeconds: number | null = null): MetricsSnapshot => ({
    stream: p(stream), traditional: p({}), durationSeconds: 3600, windowSeconds, timestamp, notNumbers: [],
  });

  it('differences requests and errors, takes the cumulative p95 as it is, and says what it spans', () => {
    const interval = cumulativeInterval(snap(100, { requests: 100_000, errors: 5_000 }), snap(160, { requests: 101_000, errors: 5_000, p95Ms: 70 }));
    expect(interval.stream).toMatchObject({ requests: 1000, errors: 0, errorRate: 0, p95Ms: 70 });
    const sample = analyseSample(interval, T, at(0.3));
    expect(sample.verdict).toBe('ok');
    expect(sample.figures).toMatchObject({ intervalSeconds: 60, p95Span: 'since_start' });
  });

  it('a burst inside the interval is not diluted by the history', () => {
    // 1 % of the interval but 0.05 % since start: judged on the interval.
    const interval = cumulativeInterval(snap(0, { requests: 100_000, errors: 0 }), snap(60, { requests: 101_000, errors: 50 }));
    expect(analyseSample(interval, T, at(0.3)).measurements.find((m) => m.check === 'error_rate')).toMatchObject({ phase: 'failed', value: 5 });
  });

  it('counters going down (a restart, POST /__reset_metrics) make the sample inconclusive, saying so', () => {
    const sample = analyseSample(cumulativeInterval(snap(0, { requests: 1100, errors: 5 }), snap(60, { requests: 20, errors: 0 })), T, at(0.3));
    expect(sample.verdict).toBe('inconclusive');
    expect(sample.measurements[0]!.message).toContain('counters went backwards (stream requests 1100 -> 20)');
  });

  it('a sliding window is judged as it is', () => {
    const interval = cumulativeInterval(snap(0, { requests: 1 }, 60), snap(60, { requests: 500 }, 60));
    expect(interval.stream.requests).toBe(500);
    expect(analyseSample(interval, T, at(0.3)).figures).toMatchObject({ windowSeconds: 60, intervalSeconds: null, p95Span: 'window' });
  });

  it('no baseline: inconclusive, saying why', () => {
    const sample = analyseSample(unknownInterval('no baseline to difference from', 0), T, at(0.3));
    expect(sample.verdict).toBe('inconclusive');
    expect(sample.measurements.every((m) => m.message === 'no baseline to difference from')).toBe(true);
  });
});
