import { ZERO_COUNTERS, countSample, type StepCounters } from './decide.js';
import type { Outcome } from './outcome.js';
import type { Plan } from './plan.js';
import type { RunRecord } from './records.js';

export type RunPhase = 'precheck' | 'enter' | 'observe' | 'ended';

/** Everything the controller needs to take its next step; derived only from journal records. */
export interface RunState {
  runId: string;
  plan: Plan;
  target: string;
  holder: string;
  phase: RunPhase;
  stepIndex: number;
  startRatio: number | null;
  /** The ratio last proven by a passed step (or the starting ratio): where an inconclusive run returns. */
  lastGoodRatio: number | null;
  /** The ratio this run last set and read back: what the drift check expects. */
  expectedRatio: number | null;
  stepStartedAt: number | null;
  counters: StepCounters;
  /** A manual gate approved by `--resume`. */
  approvedGate: number | null;
  ended: { outcome: Outcome; exitCode: number; reason: string } | null;
}

/** Pure reducer: one record moves the state. */
export function applyRecord(state: RunState | null, record: RunRecord): RunState {
  if (record.type === 'run_started') {
    return {
      runId: record.runId, plan: record.plan, target: record.target, holder: record.holder,
      phase: 'precheck', stepIndex: 0, startRatio: null, lastGoodRatio: null, expectedRatio: null,
      stepStartedAt: null, counters: ZERO_COUNTERS, approvedGate: null, ended: null,
    };
  }
  if (!state) throw new Error(`journal starts with ${record.type}, not run_started`);
  switch (record.type) {
    case 'resumed': {
      // A run paused at a manual gate is resumed by a human: that is the approval.
      const approvedGate = state.ended?.outcome === 'paused' ? state.stepIndex : state.approvedGate;
      // Whatever step was in flight is entered again and observed from its beginning.
      return { ...state, holder: record.holder, phase: 'precheck', ended: null, approvedGate, counters: ZERO_COUNTERS, stepStartedAt: null };
    }
    case 'precheck':
      return record.healthy || record.skipped ? { ...state, phase: 'enter' } : state;
    case 'start_ratio':
      return { ...state, startRatio: record.ratio, lastGoodRatio: state.lastGoodRatio ?? record.ratio, expectedRatio: record.ratio };
    case 'ratio_set':
      return { ...state, expectedRatio: record.readBack };
    case 'step_started':
      return { ...state, phase: 'observe', stepIndex: record.index, stepStartedAt: Date.parse(record.at), counters: ZERO_COUNTERS };
    case 'sample':
      return { ...state, counters: countSample(state.counters, record.sample) };
    case 'step_passed':
      return {
        ...state, phase: 'enter', stepIndex: record.index + 1, counters: ZERO_COUNTERS, stepStartedAt: null,
        lastGoodRatio: record.ratio ?? state.lastGoodRatio,
      };
    case 'rollback':
      return { ...state, expectedRatio: record.ratioAfter };
    case 'restore':
      return { ...state, expectedRatio: record.ratioAfter };
    case 'run_ended':
      return { ...state, phase: 'ended', ended: { outcome: record.outcome, exitCode: record.exitCode, reason: record.reason } };
    default:
      return state;
  }
}

export function foldRecords(records: RunRecord[]): RunState | null {
  return records.reduce<RunState | null>(applyRecord, null);
}
