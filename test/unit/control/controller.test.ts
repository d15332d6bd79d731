import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { UsageError } from '../../../src/shared/errors.js';
import type { Plan } from '../../../src/control/plan.js';
import { COUNTERS_PATH, isMetricsRead } from '../../helpers/fake-service.js';
import { crashingJournal, flagsPlan, harness, ofType, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

describe('cutover engine: completion', () => {
  it('walks 0.3, 0.6, 1.0 with five samples each and ends at 1.0 with exit 0', async () => {
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('completed');
    expect(result.exitCode).toBe(ExitCode.Ok);
    expect(h.service.ratio).toBe(1);
    const records = await h.records();
    expect(ofType(records, 'ratio_set').map((r) => r.readBack)).toEqual([0.3, 0.6, 1]);
    expect(ofType(records, 'step_passed')).toHaveLength(3);
    // 5 minutes at a 60 s interval: samples at 1..5 minutes.
    expect(ofType(records, 'sample')).toHaveLength(15);
    expect(ofType(records, 'start_ratio')[0]!.ratio).toBe(0);
    expect(records.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'completed', exitCode: 0 });
    // 3 steps x 5 minutes of fake time, no real waiting.
    expect(h.clock.slept).toBe(15 * 60_000);
    // The lease was taken in the target and given back.
    expect(h.service.calls('POST', '/api/lease')[0]!.body).toMatchObject({ name: 'cutover', holder: 'run-1@test', ttl_ms: 60_000 });
    expect(h.service.lease).toBeNull();
  });

  it('checks health before changing anything and stops with exit 3 when unhealthy', async () => {
    h.service.healthy = false;
    h.service.status = 'degraded';
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('precheck_failed');
    expect(result.exitCode).toBe(ExitCode.Inconclusive);
    expect(result.reason).toContain('degraded');
    expect(h.service.calls('POST', '/api/stream_traffic_ratio')).toHaveLength(0);
  });

  it('does not judge the relative check at 1.0 when the traditional path has no traffic', async () => {
    h.service.metrics = ({ ratio }) => ({
      stream: { requests: 100, error_rate: 0, p95_response_time: 50 },
      traditional: { requests: Math.round(100 * (1 - ratio)), error_rate: 0, p95_response_time: 40 },
    });
    const result = await h.run(flagsPlan({ steps: [0.5, 1], thresholds: { maxP95Ratio: 2 } }));
    expect(result.outcome).toBe('completed');
    const last = ofType(await h.records(), 'sample').at(-1)!;
    expect(last.sample.notes[0]).toContain('p95_ratio not judged');
    expect(last.sample.measurements.map((m) => m.check)).not.toContain('p95_ratio');
  });
});

describe('cutover engine: breaches roll back and exit 1', () => {
  it('rolls back on the stream error rate and says which check, value, threshold and step', async () => {
    h.service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.6 ? 4.5 : 0.2, p95_response_time: 30 } });
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('rolled_back');
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(h.service.ratio).toBe(0);
    expect(result.reason).toMatch(/step 2 \(ratio 0.6\), sample 1\/5: error_rate 4.5% > 1%/);
    const records = await h.records();
    const breach = ofType(records, 'decision').find((d) => d.action === 'breach')!;
    expect(breach).toMatchObject({ index: 1, check: 'error_rate', value: 4.5, threshold: 1 });
    expect(ofType(records, 'rollback')[0]).toMatchObject({ verified: true, ratioAfter: 0 });
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(1);
  });

  it('rolls back on the absolute p95', async () => {
    h.service.metrics = () => ({ stream: { requests: 200, error_rate: 0, p95_response_time: 350 } });
    const result = await h.run(flagsPlan({ thresholds: { maxP95Ms: 200 } }));
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    const breach = ofType(await h.records(), 'decision').find((d) => d.action === 'breach')!;
    expect(breach).toMatchObject({ index: 0, check: 'p95', value: 350, threshold: 200 });
    expect(h.service.ratio).toBe(0);
  });

  it('rolls back on stream p95 against traditional p95 in the same interval', async () => {
    h.service.metrics = () => ({
      stream: { requests: 200, error_rate: 0, p95_response_time: 300 },
      traditional: { requests: 200, error_rate: 0, p95_response_time: 100 },
    });
    const result = await h.run(flagsPlan({ thresholds: { maxP95Ratio: 2 } }));
    expect(result.outcome).toBe('rolled_back');
    const breach = ofType(await h.records(), 'decision').find((d) => d.action === 'breach')!;
    expect(breach).toMatchObject({ check: 'p95_ratio', value: 3, threshold: 2 });
  });

  it('tolerates failures up to --failure-limit, then rolls back', async () => {
    h.service.metrics = ({ reads }) => ({ stream: { requests: 200, error_rate: reads % 2 === 0 ? 3 : 0, p95_response_time: 10 } });
    const result = await h.run(flagsPlan({ steps: [0.3], limits: { failureLimit: 1 } }));
    expect(result.outcome).toBe('rolled_back');
    const decisions = ofType(await h.records(), 'decision').map((d) => d.action);
    // reads: 1 baseline, 2 fail(1 within limit), 3 ok, 4 fail (2 > 1) -> breach
    expect(decisions).toEqual(['continue', 'continue', 'breach']);
  });

  it('holds instead of rolling back when on_breach is hold', async () => {
    h.service.metrics = () => ({ stream: { requests: 200, error_rate: 9, p95_response_time: 10 } });
    const result = await h.run({ ...flagsPlan(), onBreach: 'hold' });
    expect(result.outcome).toBe('held');
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(h.service.ratio).toBe(0.3);
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(0);
  });
});

describe('cutover engine: figures that are not numbers', () => {
  it('reads NaN (Python json.dumps) as an unknown figure, never as unreachable: an idle baseline does not stop a run', async () => {
    await h.close();
    h = await harness({ original: true }); // the Python service, whose json.dumps writes NaN
    h.service.nanFields = ['p95_response_time'];
    h.service.metrics = () => ({ stream: { requests: 500, error_rate: 0.1 }, traditional: { requests: 500, error_rate: 0.1 } });
    const result = await h.run(flagsPlan({ steps: [0.3], thresholds: { maxP95Ms: 300 } }));
    const samples = ofType(await h.records(), 'sample').map((r) => r.sample);
    expect(samples.every((s) => s.verdict !== 'error')).toBe(true);
    const p95 = samples[0]!.measurements.find((m) => m.check === 'p95')!;
    expect(p95).toMatchObject({ phase: 'inconclusive', value: null, message: 'the service sent summary.stream.p95_response_time as not a number' });
    expect(samples[0]!.measurements.find((m) => m.check === 'error_rate')).toMatchObject({ phase: 'ok', value: 0.1 });
    // Every sample inconclusive on p95: the run proves nothing and says so (exit 3), not "unreachable" (exit 2).
    expect(result.exitCode).toBe(ExitCode.Inconclusive);
    expect(result.reason).not.toContain('unreachable');
  });

  it('a NaN error count is inconclusive naming the field, and the other checks still judge (counters and cumulative)', async () => {
    for (const [original, field] of [[false, 'instances[0].paths.stream.errors'], [true, 'summary.stream.errors']] as const) {
      await h.close();
      h = await harness({ original });
      h.service.nanFields = ['errors'];
      const result = await h.run(flagsPlan({ steps: [0.3], thresholds: { maxP95Ms: 300 } }));
      const sample = ofType(await h.records(), 'sample')[0]!.sample;
      expect(sample.measurements.find((m) => m.check === 'error_rate'), field).toMatchObject({ phase: 'inconclusive', value: null, message: `the service sent ${field} as not a number` });
      expect(sample.measurements.find((m) => m.check === 'p95'), field).toMatchObject({ phase: 'ok', value: 40 });
      expect(result.exitCode).toBe(ExitCode.Inconclusive);
      expect(result.reason).not.toContain('unreachable');
    }
  });
});

describe('cutover engine: inconclusive and errors', () => {
  it('never passes on sparse traffic: stops with exit 3 and goes back to the last proven ratio', async () => {
    h.service.ratio = 0.1;
    h.service.metrics = ({ ratio }) => ({ stream: { requests: ratio > 0.3 ? 5 : 300, error_rate: 0, p95_response_time: 10 } });
    const result = await h.run(flagsPlan({ steps: [0.3, 0.6] }));
    expect(result.outcome).toBe('inconclusive');
    expect(result.exitCode).toBe(ExitCode.Inconclusive);
    expect(result.reason).toContain('5 stream requests in the interval (< 20)');
    // Step 1 (0.3) passed, step 2 (0.6) was sparse: back to 0.3, not to the starting 0.1.
    expect(h.service.ratio).toBe(0.3);
    const records = await h.records();
    // limit 1: the second inconclusive sample stops the run.
    expect(ofType(records, 'sample').filter((s) => s.index === 1)).toHaveLength(2);
    expect(ofType(records, 'restore')[0]).toMatchObject({ ratio: 0.3, verified: true });
  });

  it('a step with only inconclusive samples under the limit does not pass', async () => {
    h.service.metrics = () => ({ stream: { requests: 3, error_rate: 0, p95_response_time: 10 } });
    const result = await h.run(flagsPlan({ steps: [0.3], limits: { inconclusiveLimit: 10 } }));
    expect(result.outcome).toBe('inconclusive');
    expect(result.reason).toContain('proved nothing: 0 ok of 5 samples (5 inconclusive');
    expect(h.service.ratio).toBe(0);
    expect(ofType(await h.records(), 'step_passed')).toHaveLength(0);
  });

  it('rides out unreachable samples within the limit', async () => {
    h.service.failNext.set(`GET ${COUNTERS_PATH}`, 3); // baseline + 2 samples
    const result = await h.run(flagsPlan({ steps: [0.3] }));
    expect(result.outcome).toBe('completed');
    const samples = ofType(await h.records(), 'sample').map((s) => s.sample);
    // Without the baseline, the first read that works has nothing to difference from: inconclusive, saying so.
    expect(samples.map((s) => s.verdict)).toEqual(['error', 'error', 'inconclusive', 'ok', 'ok']);
    expect(samples[2]!.measurements[0]!.message).toContain('no baseline');
  });

  it('stops with exit 2 after more consecutive errors than the limit, rolling back while blind', async () => {
    h.service.onRequest = (method, path, s) => {
      if (isMetricsRead(method, path) && s.ratio >= 0.6) s.failNext.set(`GET ${COUNTERS_PATH}`, 1);
    };
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('error');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toContain('3 consecutive errors, limit 2');
    expect(h.service.ratio).toBe(0);
    expect(ofType(await h.records(), 'rollback')[0]!.verified).toBe(true);
  });

  it('stops when the ratio was set and read back as something else', async () => {
    h.service.stuckRatio = true;
    h.service.ratio = 0.05;
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('rollback_failed');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toContain('ratio reads 0.05 right after setting 0.3');
  });

  it('a refused ratio change (401) changes nothing and calls no rollback', async () => {
    h.service.refuse.set('POST /api/stream_traffic_ratio', 401);
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('error');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toContain('refused');
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(0);
  });
});

describe('cutover engine: drift and rollback failures', () => {
  it('detects another hand on the ratio and rolls back', async () => {
    let ratioReads = 0;
    h.service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && ++ratioReads === 4) s.ratio = 0.9;
    };
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('rolled_back');
    const breach = ofType(await h.records(), 'decision').find((d) => d.action === 'breach')!;
    expect(breach).toMatchObject({ check: 'ratio_drift', value: 0.9, threshold: 0.3 });
    expect(h.service.ratio).toBe(0);
  });

  it('a rollback that cannot be verified is exit 2', async () => {
    h.service.metrics = () => ({ stream: { requests: 200, error_rate: 50, p95_response_time: 10 } });
    h.service.onRequest = (method, path, s) => {
      if (path === '/api/emergency_rollback') {
        s.rollbackMode = 'lie';
        s.stuckRatio = true; // the fallback (set ratio 0) is ignored too
      }
    };
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('rollback_failed');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toContain('ROLLBACK COULD NOT BE VERIFIED');
    expect(ofType(await h.records(), 'rollback')[0]).toMatchObject({ verified: false, ratioAfter: 0.3 });
  });

  it('falls back to setting ratio 0 when the emergency endpoint fails, and verifies it', async () => {
    h.service.metrics = () => ({ stream: { requests: 200, error_rate: 50, p95_response_time: 10 } });
    h.service.rollbackMode = 'fail';
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('rolled_back');
    expect(h.service.ratio).toBe(0);
    const rollback = ofType(await h.records(), 'rollback')[0]!;
    expect(rollback.verified).toBe(true);
    expect(rollback.error).toContain('success=false');
  });
});

describe('cutover engine: Ctrl-C, resume, lease', () => {
  it('Ctrl-C restores the starting ratio, records the abort and exits 130', async () => {
    h.service.ratio = 0.05;
    h.service.onRequest = (method, path, s) => {
      if (isMetricsRead(method, path) && s.ratio === 0.6 && s.metricsReads === 9) h.controller.abort();
    };
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('aborted');
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    expect(h.service.ratio).toBe(0.05);
    const records = await h.records();
    expect(ofType(records, 'restore')[0]).toMatchObject({ ratio: 0.05, verified: true });
    expect(records.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'aborted' });
    expect(h.service.lease).toBeNull();

    // ...and the interrupted run continues with --resume: from the restored 0.05 it re-enters 0.3,
    // the last ratio that passed, before the step it was in (issue 11: never 0.05 -> 0.6 at once).
    h.service.onRequest = undefined;
    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('completed');
    const after = await h.records();
    expect(ofType(after, 'ratio_set').map((r) => r.requested)).toEqual([0.3, 0.6, 0.3, 0.6, 1]);
    expect(h.service.ratio).toBe(1);
  });

  it('resumes a crashed run without repeating the steps it had passed', async () => {
    // 16 records make step 1 (run_started, precheck, start_ratio, ratio_set, step_started, 5 x sample+decision,
    // step_passed); the 20th is the first decision of step 2.
    const crashAt = 20;
    await expect(h.run(flagsPlan(), 'run-1', { journal: crashingJournal(h.journal, crashAt) })).rejects.toThrow('simulated crash');
    const before = await h.records();
    expect(ofType(before, 'step_passed')).toHaveLength(1);
    expect(before.some((r) => r.type === 'run_ended')).toBe(false);

    // A crash (kill -9) leaves the ratio at the step in flight; in-process the catch-all put the start back.
    h.service.ratio = 0.6;
    const result = await h.resume('run-1');
    expect(result.outcome).toBe('completed');
    const records = await h.records();
    expect(ofType(records, 'resumed')).toHaveLength(1);
    // 0.3 passed before the crash and is not set again.
    expect(ofType(records, 'ratio_set').map((r) => r.requested)).toEqual([0.3, 0.6, 0.6, 1]);
    expect(ofType(records, 'start_ratio')).toHaveLength(1);
  });

  it('refuses to resume a run that already ended for good', async () => {
    await h.run(flagsPlan({ steps: [0.3] }));
    await expect(h.resume('run-1')).rejects.toBeInstanceOf(UsageError);
    await expect(h.resume('no-such-run')).rejects.toThrow(/no such run/);
  });

  it('does nothing when another cutover holds the lease, naming the holder (exit 3)', async () => {
    h.service.lease = { holder: 'run-0@elsewhere', expiresAt: Date.now() + 60_000 };
    const result = await h.run(flagsPlan());
    expect(result.outcome).toBe('lease_held');
    expect(result.exitCode).toBe(ExitCode.Inconclusive);
    expect(result.reason).toContain('run-0@elsewhere');
    expect(h.service.calls('POST', '/api/stream_traffic_ratio')).toHaveLength(0);
    expect(await h.records()).toEqual([]);
    expect(h.service.lease!.holder).toBe('run-0@elsewhere');
  });

  it('renews the lease while observing, and stops if another holder took it', async () => {
    h.service.onRequest = (method, path, s) => {
      if (isMetricsRead(method, path) && s.metricsReads === 3) s.lease = { holder: 'thief@x', expiresAt: Date.now() + 60_000 };
    };
    const result = await h.run(flagsPlan(), 'run-1', { leaseRenewEveryMs: 20_000 });
    expect(result.outcome).toBe('lease_lost');
    expect(result.reason).toContain('thief@x');
    expect(h.service.ratio).toBe(0.3);
    expect(h.service.calls('POST', '/api/lease').length).toBeGreaterThan(2);
  });
});

describe('cutover engine: gates', () => {
  const gated = (steps: Plan['steps']): Plan => ({ ...flagsPlan(), steps });
  const ratio = (r: number) => ({ kind: 'ratio' as const, ratio: r, observeMs: 120_000, intervalMs: 60_000, thresholds: flagsPlan().steps[0]!.kind === 'ratio' ? (flagsPlan().steps[0] as { thresholds: never }).thresholds : (undefined as never) });

  it('pauses at a manual gate off a terminal (exit 3) and continues past it on resume', async () => {
    const plan = gated([ratio(0.1), { kind: 'pause', message: 'look at the dashboards' }, ratio(0.5)]);
    const paused = await h.run(plan);
    expect(paused.outcome).toBe('paused');
    expect(paused.exitCode).toBe(ExitCode.Inconclusive);
    expect(paused.reason).toContain('look at the dashboards');
    expect(h.service.ratio).toBe(0.1);
    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('completed');
    expect(h.service.ratio).toBe(0.5);
    expect(ofType(await h.records(), 'gate').map((g) => g.summary)).toContain('approved by --resume');
  });

  it('continues at a manual gate once a human says so', async () => {
    const plan = gated([{ kind: 'pause', message: 'go?' }, ratio(0.2)]);
    const result = await h.run(plan, 'run-1', { manualGate: { wait: async () => 'continue' } });
    expect(result.outcome).toBe('completed');
  });

  it('runs the consistency gate: inconsistent rolls back, inconclusive stops with 3, absent is a loud skip', async () => {
    h.service.ratio = 0.2;
    h.service.consistency = { verdict: 'inconsistent', summary: '12 records missing' };
    const bad = await h.run(gated([{ kind: 'check', check: 'consistency' }, ratio(0.5)]));
    expect(bad.outcome).toBe('rolled_back');
    expect(bad.reason).toContain('12 records missing');
    expect(h.service.ratio).toBe(0);

    h.service.consistency = { verdict: 'inconclusive', summary: 'pending younger than grace' };
    const unsure = await h.run(gated([{ kind: 'check', check: 'consistency' }, ratio(0.5)]), 'run-2');
    expect(unsure.exitCode).toBe(ExitCode.Inconclusive);

    h.service.consistency = null; // 404, like the original service
    const skipped = await h.run(gated([{ kind: 'check', check: 'consistency' }, ratio(0.5)]), 'run-3');
    expect(skipped.outcome).toBe('completed');
    const warnings = ofType(await h.records('run-3'), 'warning');
    expect(warnings[0]!.message).toContain('SKIPPED');
  });
  // load: steps are covered in load.test.ts.
});

