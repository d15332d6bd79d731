import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { COUNTERS_PATH, isMetricsRead } from '../../helpers/fake-service.js';
import { flagsPlan, harness, ofType, type Harness } from './harness.js';

/**
 * Issue 11: every sample judges the traffic of its own interval (the difference of two reads),
 * never the service's window or its history. The fake service's scripted figures are the traffic
 * of the interval each read closes; `addTraffic` is traffic no read closes (before the run).
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const HEALTHY = { requests: 500, error_rate: 0.1, p95_response_time: 40 };
const BURST = { requests: 1000, error_rate: 50, p95_response_time: 900 };

describe.each([
  ['streamctl serve (counters)', false],
  ['a cumulative-only target (the original service)', true],
] as const)('judging each interval against %s', (_name, original) => {
  it('a burst of errors before the run does not breach its first sample', async () => {
    h = await harness({ original });
    h.service.addTraffic({ stream: BURST }); // another run's errors, long before this one
    // The baseline read (read 1) closes the traffic from before the ratio change: another burst.
    h.service.metrics = ({ reads }) => ({ stream: reads === 1 ? BURST : HEALTHY, traditional: HEALTHY });
    const result = await h.run(flagsPlan({ steps: [0.3], thresholds: { maxP95Ms: 500 } }));
    expect(result.outcome, result.reason).toBe('completed');
    const samples = ofType(await h.records(), 'sample').map((r) => r.sample);
    expect(samples).toHaveLength(5);
    for (const sample of samples) {
      expect(sample.verdict).toBe('ok');
      expect(sample.figures).toMatchObject({ streamRequests: 500, errorRate: 0.1, intervalSeconds: 60 });
    }
  });

  it('a burst inside an interval breaches that sample, and only that one', async () => {
    h = await harness({ original });
    // Reads: 1 baseline, 2..6 samples; the second sample's interval holds the burst.
    h.service.metrics = ({ reads }) => ({ stream: reads === 3 ? { ...BURST, p95_response_time: 40 } : HEALTHY, traditional: HEALTHY });
    const result = await h.run(flagsPlan({ steps: [0.3], limits: { failureLimit: 1 } }));
    expect(result.outcome).toBe('completed');
    const samples = ofType(await h.records(), 'sample').map((r) => r.sample);
    expect(samples.map((s) => s.verdict)).toEqual(['ok', 'failed', 'ok', 'ok', 'ok']);
    expect(samples[1]!.measurements.find((m) => m.check === 'error_rate')).toMatchObject({ phase: 'failed', value: 50, threshold: 1 });

    // With the default failure limit 0 the same burst rolls back, naming the sample.
    await h.close();
    h = await harness({ original });
    h.service.metrics = ({ reads }) => ({ stream: reads === 3 ? BURST : HEALTHY, traditional: HEALTHY });
    const breached = await h.run(flagsPlan({ steps: [0.3] }));
    expect(breached.outcome).toBe('rolled_back');
    expect(breached.reason).toMatch(/sample 2\/5: error_rate 50% > 1%/);
  });
});

describe('against streamctl serve', () => {
  it('reads the counters only, judges p95 from the histogram difference, and warns of nothing', async () => {
    h = await harness();
    h.service.addTraffic({ stream: { requests: 100_000, error_rate: 0, p95_response_time: 5_000 } }); // slow history
    h.service.metrics = ({ reads }) => ({ stream: { requests: 400, error_rate: 0, p95_response_time: reads === 4 ? 350 : 30, p99_response_time: 80 } });
    const result = await h.run(flagsPlan({ steps: [0.3], thresholds: { maxP95Ms: 300 }, limits: { failureLimit: 1 } }));
    expect(result.outcome).toBe('completed');
    const records = await h.records();
    const samples = ofType(records, 'sample').map((r) => r.sample);
    expect(samples.map((s) => s.figures!.p95Ms)).toEqual([30, 30, 350, 30, 30]);
    expect(samples[0]!.figures).toMatchObject({ p95Span: 'interval', windowSeconds: null, intervalSeconds: 60 });
    expect(ofType(records, 'warning')).toEqual([]);
    expect(h.service.calls('GET', '/api/stream_metrics')).toHaveLength(0);
    expect(h.service.calls('GET', COUNTERS_PATH)).toHaveLength(6);
  });

  it('an instance that restarted counts from zero; counters reset in place make that sample inconclusive', async () => {
    h = await harness();
    h.service.onRequest = (method, path, s) => {
      if (!isMetricsRead(method, path)) return;
      if (s.metricsReads === 2) s.resetMetrics(true); // before read 3: a restart (new start time)
      if (s.metricsReads === 4) s.resetMetrics(); // before read 5: zeroed, same start time
    };
    const result = await h.run(flagsPlan({ steps: [0.3] }));
    expect(result.outcome).toBe('completed');
    const samples = ofType(await h.records(), 'sample').map((r) => r.sample);
    expect(samples.map((s) => s.verdict)).toEqual(['ok', 'ok', 'ok', 'inconclusive', 'ok']);
    expect(samples[1]!.notes.join('\n')).toMatch(/instance fake-1 started during this interval/);
    expect(samples[1]!.figures!.streamRequests).toBe(500);
    expect(samples[3]!.measurements[0]!.message).toContain('the counters of instance fake-1 went backwards');
  });
});

describe('against a cumulative-only target (the original service)', () => {
  it('says once at the start how it judges, probes the counters once, and differences requests and errors', async () => {
    h = await harness({ original: true });
    const result = await h.run(flagsPlan({ steps: [0.3, 0.6] }));
    expect(result.outcome).toBe('completed');
    const records = await h.records();
    const warnings = ofType(records, 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toBe('the target\'s metrics are cumulative since it started (no GET /api/stream_metrics/counters): error rate is judged on counter differences per interval; p95 is cumulative since the service started, not per interval');
    // The warning comes before the first sample.
    expect(records.indexOf(warnings[0]!)).toBeLessThan(records.findIndex((r) => r.type === 'sample'));
    expect(h.service.calls('GET', COUNTERS_PATH)).toHaveLength(1);
    const samples = ofType(records, 'sample').map((r) => r.sample);
    expect(samples).toHaveLength(10);
    for (const sample of samples) expect(sample.figures).toMatchObject({ streamRequests: 500, errorRate: 0.1, p95Span: 'since_start', intervalSeconds: 60 });
  });

  it('POST /__reset_metrics during a run makes that sample inconclusive, saying why', async () => {
    h = await harness({ original: true });
    h.service.onRequest = (method, path, s) => {
      if (isMetricsRead(method, path) && s.metricsReads === 3) s.resetMetrics();
    };
    const result = await h.run(flagsPlan({ steps: [0.3] }));
    expect(result.outcome).toBe('completed');
    const samples = ofType(await h.records(), 'sample').map((r) => r.sample);
    expect(samples.map((s) => s.verdict)).toEqual(['ok', 'ok', 'inconclusive', 'ok', 'ok']);
    expect(samples[2]!.measurements[0]!.message).toMatch(/counters went backwards \(stream requests 1500 -> 500\): it restarted or its metrics were reset/);
    expect(ExitCode.Ok).toBe(result.exitCode);
  });
});
