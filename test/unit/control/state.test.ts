import { describe, expect, it } from 'vitest';
import { applyRecord, foldRecords } from '../../../src/control/state.js';
import { summariseSteps } from '../../../src/control/step-summary.js';
import type { RunRecord } from '../../../src/control/records.js';
import { flagsPlan } from './harness.js';

const plan = flagsPlan({ steps: [0.3, 0.6] });
const at = '2025-01-01T12:00:00.000Z';
const sample = { verdict: 'ok' as const, measurements: [], notes: [], figures: { ratio: 0.3, streamRequests: 50, traditionalRequests: 50, errorRate: 0.4, p95Ms: 80, traditionalP95Ms: 70, windowSeconds: 60 } };

const records: RunRecord[] = [
  { type: 'run_started', at, runId: 'r', plan, target: 'http://t', holder: 'r@h', version: 1 },
  { type: 'precheck', at, healthy: true, status: 'healthy', skipped: false },
  { type: 'start_ratio', at, ratio: 0.1 },
  { type: 'ratio_set', at, index: 0, requested: 0.3, old: 0.1, readBack: 0.3 },
  { type: 'step_started', at, index: 0, ratio: 0.3, samples: 5 },
  { type: 'sample', at, index: 0, n: 1, sample },
];

describe('run state is a fold of the journal', () => {
  it('tracks phase, step, expected ratio and counters', () => {
    const state = foldRecords(records)!;
    expect(state).toMatchObject({ phase: 'observe', stepIndex: 0, startRatio: 0.1, lastGoodRatio: 0.1, expectedRatio: 0.3, counters: { samples: 1, ok: 1 } });
    const passed = applyRecord(state, { type: 'step_passed', at, index: 0, ratio: 0.3 });
    expect(passed).toMatchObject({ phase: 'enter', stepIndex: 1, lastGoodRatio: 0.3, counters: { samples: 0 } });
  });

  it('a resume re-enters the step in flight from its beginning, and approves a waiting gate', () => {
    const crashed = applyRecord(foldRecords(records)!, { type: 'resumed', at, holder: 'r@h2' });
    expect(crashed).toMatchObject({ phase: 'precheck', stepIndex: 0, startRatio: 0.1, counters: { samples: 0 }, approvedGate: null });
    const paused = applyRecord(foldRecords([...records, { type: 'run_ended', at, outcome: 'paused', exitCode: 3, reason: 'gate', index: 0 }])!, { type: 'resumed', at, holder: 'r@h' });
    expect(paused).toMatchObject({ approvedGate: 0, ended: null });
  });

  it('summarises steps for the final table', () => {
    const rows = summariseSteps(plan, [...records, { type: 'run_ended', at, outcome: 'aborted', exitCode: 130, reason: 'x', index: 0 }]);
    expect(rows[0]).toMatchObject({ label: '0.3', samples: 1, plannedSamples: 5, worstErrorRate: 0.4, worstP95Ms: 80, verdict: 'aborted' });
    expect(rows[1]).toMatchObject({ verdict: 'not run', samples: 0 });
  });
});
