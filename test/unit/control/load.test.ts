import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, RatioStep } from '../../../src/control/plan.js';
import { summariseSteps } from '../../../src/control/step-summary.js';
import type { LoadRunner, LoadSpec, LoadSummary } from '../../../src/ports/load-runner.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { isMetricsRead } from '../../helpers/fake-service.js';
import { flagsPlan, harness, ofType, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const LOAD: LoadSpec = { rate: 200, durationMs: 120_000, devices: 50, endpoint: '/upload_health_data' };

function summary(spec: LoadSpec, stoppedEarly: boolean): LoadSummary {
  return {
    targetRate: spec.rate, achievedRate: spec.rate - 1, sent: 24_000, ok: 23_880, dropped: 0, errors: { '500': 120 }, errorRate: 0.005,
    p50Ms: 1.2, p95Ms: 3.4, p99Ms: 8.9, durationMs: 120_000, stoppedEarly, message: '23880 of 24000 requests answered 2xx',
  };
}

/**
 * A load runner that writes what happens to it into a timeline shared with the fake service's
 * request log, so a test can tell whether the load stopped before or after a rollback call.
 */
function fakeLoad(h: Harness, options: { failStart?: boolean } = {}) {
  const timeline: string[] = [];
  const started: LoadSpec[] = [];
  let stops = 0;
  h.service.onRequest = (method, path) => {
    if (method === 'POST' && (path === '/api/emergency_rollback' || path === '/api/stream_traffic_ratio')) timeline.push(`${method} ${path}`);
  };
  const runner: LoadRunner = {
    async start(spec) {
      if (options.failStart) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
      started.push(spec);
      timeline.push(`load start ${started.length}`);
      const n = started.length;
      let result: Promise<LoadSummary> | undefined;
      return {
        stop() {
          // Idempotent, and the abort is synchronous: the timeline shows the moment of the call.
          if (!result) {
            stops++;
            timeline.push(`load stop ${n}`);
            result = Promise.resolve(summary(spec, true));
          }
          return result;
        },
      };
    },
  };
  return { runner, timeline, started, stops: () => stops };
}

const ratioStep = (ratio: number, load?: LoadSpec): RatioStep => {
  const base = flagsPlan().steps[0] as RatioStep;
  return { ...base, ratio, observeMs: 120_000, intervalMs: 60_000, ...(load ? { load } : {}) };
};
const planOf = (steps: Plan['steps']): Plan => ({ ...flagsPlan(), name: 'rehearsal', steps });

describe('cutover engine: a step with load:', () => {
  it('runs the load for the step observation only and journals its summary', async () => {
    const load = fakeLoad(h);
    const plan = planOf([ratioStep(0.3, LOAD), ratioStep(0.6), ratioStep(1, { ...LOAD, rate: 100 })]);
    const result = await h.run(plan, 'run-1', { loadRunner: load.runner });
    expect(result.outcome).toBe('completed');
    expect(load.started).toEqual([LOAD, { ...LOAD, rate: 100 }]);
    expect(load.stops()).toBe(2);

    const records = await h.records();
    const order = records.map((r) => ('index' in r ? `${r.type}:${r.index}` : r.type)).filter((t) => /^(load|step|ratio_set)/.test(t));
    // Started after the ratio was set, before observing; stopped after the last sample, before the step passes.
    expect(order).toEqual([
      'ratio_set:0', 'load_started:0', 'step_started:0', 'load_stopped:0', 'step_passed:0',
      'ratio_set:1', 'step_started:1', 'step_passed:1',
      'ratio_set:2', 'load_started:2', 'step_started:2', 'load_stopped:2', 'step_passed:2',
    ]);
    const lastSampleOfStep0 = records.findLastIndex((r) => r.type === 'sample' && r.index === 0);
    expect(records.findIndex((r) => r.type === 'load_stopped')).toBeGreaterThan(lastSampleOfStep0);

    const stopped = ofType(records, 'load_stopped');
    expect(stopped[0]!.summary).toMatchObject({ targetRate: 200, achievedRate: 199, p95Ms: 3.4, errors: { '500': 120 } });
    expect(ofType(records, 'load_started')[0]!.load).toEqual(LOAD);
    // The same records reach the screen / --json events...
    expect(h.events.filter((e) => e.type === 'load_stopped')).toHaveLength(2);
    // ...and the final per-step table.
    const rows = summariseSteps(plan, records);
    expect(rows.map((r) => r.load?.achievedRate ?? null)).toEqual([199, null, 99]);
  });

  it('stops the load before the rollback call, and journals the summary before the run ends', async () => {
    const load = fakeLoad(h);
    h.service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.6 ? 7 : 0.1, p95_response_time: 20 } });
    const result = await h.run(planOf([ratioStep(0.3, LOAD), ratioStep(0.6, LOAD)]), 'run-1', { loadRunner: load.runner });
    expect(result.outcome).toBe('rolled_back');
    expect(result.exitCode).toBe(ExitCode.CheckFailed);
    expect(h.service.ratio).toBe(0);
    expect(load.timeline).toEqual([
      'POST /api/stream_traffic_ratio', 'load start 1', 'load stop 1',
      'POST /api/stream_traffic_ratio', 'load start 2', 'load stop 2', 'POST /api/emergency_rollback',
    ]);
    const tail = (await h.records()).slice(-3).map((r) => r.type);
    expect(tail).toEqual(['rollback', 'load_stopped', 'run_ended']);
  });

  it('Ctrl-C stops the load, restores the starting ratio and exits 130', async () => {
    const load = fakeLoad(h);
    h.service.ratio = 0.05;
    h.service.onRequest = (method, path, s) => {
      if (method === 'POST') load.timeline.push(`${method} ${path}`);
      if (isMetricsRead(method, path) && s.metricsReads === 2) h.controller.abort();
    };
    const result = await h.run(planOf([ratioStep(0.3, LOAD)]), 'run-1', { loadRunner: load.runner });
    expect(result.outcome).toBe('aborted');
    expect(result.exitCode).toBe(ExitCode.Interrupted);
    expect(h.service.ratio).toBe(0.05);
    expect(load.stops()).toBe(1);
    const records = await h.records();
    expect(ofType(records, 'load_stopped')[0]!.summary.stoppedEarly).toBe(true);
    expect(records.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'aborted' });
  });

  it('a load that cannot start ends the run (exit 2) at the last proven ratio, before observing', async () => {
    const load = fakeLoad(h, { failStart: true });
    h.service.ratio = 0.1;
    const result = await h.run(planOf([ratioStep(0.3, LOAD)]), 'run-1', { loadRunner: load.runner });
    expect(result.outcome).toBe('error');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toContain('load for step 1 (ratio 0.3) did not start: connect ECONNREFUSED');
    expect(h.service.ratio).toBe(0.1);
    const records = await h.records();
    expect(ofType(records, 'step_started')).toHaveLength(0);
    expect(ofType(records, 'sample')).toHaveLength(0);
  });

  it('a resumed step starts its load again', async () => {
    const load = fakeLoad(h);
    h.service.onRequest = (method, path, s) => {
      if (isMetricsRead(method, path) && s.metricsReads === 2) h.controller.abort();
    };
    await h.run(planOf([ratioStep(0.3, LOAD)]), 'run-1', { loadRunner: load.runner });
    h.service.onRequest = undefined;
    const resumed = await h.resume('run-1', { loadRunner: load.runner });
    expect(resumed.outcome).toBe('completed');
    expect(load.started).toHaveLength(2);
    expect(load.stops()).toBe(2);
  });

  it('refuses a load step when no load generator is wired in, before touching anything', async () => {
    await expect(h.run(planOf([ratioStep(0.3, LOAD)]))).rejects.toThrow(/steps\[0\]\.load/);
    expect(h.service.log).toHaveLength(0);
  });
});
