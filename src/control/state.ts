import { ZERO_COUNTERS, countSample, type StepCounters } from './decide.js';
import type { Outcome } from './outcome.js';
import type { Plan } from './plan.js';
import type { RecordOf, RunRecord } from './records.js';
import { stepName } from './step-names.js';

/** `finish`: a resumed run whose ending was decided but not recorded carries it out (finish.ts). */
export type RunPhase = 'precheck' | 'enter' | 'observe' | 'finish' | 'ended';

/**
 * An ending the journal shows decided but not recorded: a crash fell between a breach (or a stop,
 * or a rollback) and `run_ended`. A resume carries it out instead of re-entering the step (issue
 * 18: a resume after a crash between the rollback and its end set 0 -> 0.6, the breached step).
 */
export interface UnfinishedEnd {
  outcome: Outcome;
  reason: string;
  /** What the ending does to the traffic (endings.ts EndAction). */
  action: { kind: 'none' } | { kind: 'rollback' } | { kind: 'restore'; ratio: number };
}

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
  /** Plan index of the ratio step that proved `lastGoodRatio`; null before any passed. */
  lastPassedRatioStep: number | null;
  /**
   * While a resumed run re-enters its last passed ratio step (reentry.ts): the index it returns
   * to once that step passed again. null otherwise.
   */
  resumeAt: number | null;
  /** The manual gate (plan index) waiting for a human right now: `status` shows the run paused. */
  waitingAtGate: number | null;
  /** The ratio this run last set and read back: what the drift check expects. */
  expectedRatio: number | null;
  /**
   * Wall ms (the record's `at`) when the step in flight started: for display only. Sample due
   * times are on the monotonic clock (observe.ts); a resume re-enters the step, so it never needs
   * to subtract this from a wall clock that may have stepped since.
   */
  stepStartedAt: number | null;
  counters: StepCounters;
  /** A manual gate approved by `--resume`. */
  approvedGate: number | null;
  ended: { outcome: Outcome; exitCode: number; reason: string } | null;
  /** Set by a decision that ends the run, cleared by `run_ended`; see UnfinishedEnd. */
  unfinishedEnd: UnfinishedEnd | null;
}

/** Pure reducer: one record moves the state. */
export function applyRecord(state: RunState | null, record: RunRecord): RunState {
  if (record.type === 'run_started') {
    return {
      runId: record.runId, plan: record.plan, target: record.target, holder: record.holder,
      phase: 'precheck', stepIndex: 0, startRatio: null, lastGoodRatio: null, lastPassedRatioStep: null, resumeAt: null,
      waitingAtGate: null, expectedRatio: null, stepStartedAt: null, counters: ZERO_COUNTERS, approvedGate: null, ended: null, unfinishedEnd: null,
    };
  }
  if (!state) throw new Error(`journal starts with ${record.type}, not run_started`);
  switch (record.type) {
    case 'resumed': {
      // A run paused at a manual gate is resumed by a human: that is the approval.
      const approvedGate = state.ended?.outcome === 'paused' ? state.stepIndex : state.approvedGate;
      // Whatever step was in flight is entered again and observed from its beginning, unless
      // its ending was already decided: then that ending is carried out, never the step again.
      const phase = state.unfinishedEnd ? 'finish' : 'precheck';
      return { ...state, holder: record.holder, phase, ended: null, approvedGate, counters: ZERO_COUNTERS, stepStartedAt: null, waitingAtGate: null };
    }
    case 'precheck':
      return record.healthy || record.skipped ? { ...state, phase: 'enter' } : state;
    case 'start_ratio':
      return { ...state, startRatio: record.ratio, lastGoodRatio: state.lastGoodRatio ?? record.ratio, expectedRatio: record.ratio };
    case 'resume_point':
      // The ratio read at the resume is what the run now stands on (reentry.ts decided the rest).
      return { ...state, expectedRatio: record.ratio, stepIndex: record.index, resumeAt: record.then };
    case 'ratio_set':
      return { ...state, expectedRatio: record.readBack };
    case 'step_started':
      return { ...state, phase: 'observe', stepIndex: record.index, stepStartedAt: Date.parse(record.at), counters: ZERO_COUNTERS };
    case 'gate':
      return { ...state, waitingAtGate: record.result === 'waiting' ? record.index : null };
    case 'sample':
      return { ...state, counters: countSample(state.counters, record.sample) };
    case 'decision': {
      const unfinishedEnd = endingOf(state, record);
      return unfinishedEnd ? { ...state, unfinishedEnd } : state;
    }
    case 'step_not_passed':
      return { ...state, unfinishedEnd: { outcome: 'inconclusive', reason: record.reason, action: restoreLastGood(state) } };
    case 'step_passed': {
      // A re-entered step (resume_point with `then`) returns the run to where it stood.
      const back = state.resumeAt !== null && record.index < state.resumeAt;
      return {
        ...state, phase: 'enter', stepIndex: back ? state.resumeAt! : record.index + 1, resumeAt: back ? null : state.resumeAt,
        counters: ZERO_COUNTERS, stepStartedAt: null, waitingAtGate: null,
        lastGoodRatio: record.ratio ?? state.lastGoodRatio,
        lastPassedRatioStep: record.ratio !== null ? record.index : state.lastPassedRatioStep,
      };
    }
    case 'rollback':
      // A rollback, with or without a decision before it, ends the run rolled back.
      return {
        ...state, expectedRatio: record.ratioAfter,
        unfinishedEnd: { outcome: state.unfinishedEnd?.outcome ?? 'rolled_back', reason: state.unfinishedEnd?.reason ?? record.reason, action: { kind: 'rollback' } },
      };
    case 'restore':
      return { ...state, expectedRatio: record.ratioAfter };
    case 'run_ended':
      return { ...state, phase: 'ended', ended: { outcome: record.outcome, exitCode: record.exitCode, reason: record.reason }, unfinishedEnd: null };
    default:
      return state;
  }
}

export function foldRecords(records: RunRecord[]): RunState | null {
  return records.reduce<RunState | null>(applyRecord, null);
}

/**
 * The ending a decision record commits the run to (the engine journals a decision before acting
 * on it, observe.ts and enter-step.ts): a breach applies `on_breach`, a service that stopped
 * answering too (we are blind), too many sparse samples return to the last proven ratio.
 */
function endingOf(state: RunState, record: RecordOf<'decision'>): UnfinishedEnd | null {
  const onBreach: UnfinishedEnd['action'] = state.plan.onBreach === 'rollback' ? { kind: 'rollback' } : { kind: 'none' };
  const where = stepName(state.plan, record.index);
  switch (record.action) {
    case 'breach':
      return { outcome: onBreach.kind === 'rollback' ? 'rolled_back' : 'held', reason: `breach at ${where}: ${record.reason}`, action: onBreach };
    case 'stop_error':
      return { outcome: 'error', reason: `service unreachable at ${where}: ${record.reason}`, action: onBreach };
    case 'stop_inconclusive':
      return { outcome: 'inconclusive', reason: `inconclusive at ${where}: ${record.reason}`, action: restoreLastGood(state) };
    case 'continue':
      return null;
  }
}

function restoreLastGood(state: RunState): UnfinishedEnd['action'] {
  return state.lastGoodRatio === null ? { kind: 'none' } : { kind: 'restore', ratio: state.lastGoodRatio };
}
