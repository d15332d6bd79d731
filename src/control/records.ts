import type { LoadSpec, LoadSummary } from '../ports/load-runner.js';
import type { RollbackReply } from '../ports/traffic-control.js';
import type { Sample } from './analysis.js';
import type { Decision } from './decide.js';
import type { Outcome } from './outcome.js';
import type { Plan } from './plan.js';

/**
 * Journal records: every action and decision of a run, with its values and thresholds.
 * The run's state is a fold over these (state.ts), which is what makes `--resume` work.
 */
export type RunRecord =
  | { type: 'run_started'; at: string; runId: string; plan: Plan; target: string; holder: string; version: 1 }
  | { type: 'resumed'; at: string; holder: string }
  | { type: 'precheck'; at: string; healthy: boolean; status: string; skipped: boolean }
  | { type: 'start_ratio'; at: string; ratio: number }
  /**
   * A resumed run read the ratio (`ratio`, 0..1) and decided where to go on (reentry.ts): it
   * enters plan index `index` next and, when `then` is set, returns to `then` once `index` passed.
   */
  | { type: 'resume_point'; at: string; ratio: number; index: number; then: number | null; reason: string }
  | { type: 'ratio_set'; at: string; index: number; requested: number; old: number | null; readBack: number }
  | { type: 'step_started'; at: string; index: number; ratio: number; samples: number }
  /** A step's `load:` began (just before the step's observation starts). */
  | { type: 'load_started'; at: string; index: number; load: LoadSpec }
  /** The load stopped (step end, rollback, Ctrl-C, or its duration was over): what it did. */
  | { type: 'load_stopped'; at: string; index: number; summary: LoadSummary }
  | { type: 'sample'; at: string; index: number; n: number; sample: Sample }
  | { type: 'decision'; at: string; index: number; action: Decision['action']; reason: string; check?: string; value?: number | null; threshold?: number | null }
  /** `result: 'waiting'` is written when a manual gate starts waiting: a run waiting at a terminal shows as paused in `status`. */
  | { type: 'gate'; at: string; index: number; gate: 'manual' | 'consistency'; result: string; summary: string }
  | { type: 'step_passed'; at: string; index: number; ratio: number | null }
  | { type: 'step_not_passed'; at: string; index: number; reason: string }
  | { type: 'rollback'; at: string; index: number; reason: string; verified: boolean; ratioAfter: number | null; reply: RollbackReply | null; error?: string }
  | { type: 'restore'; at: string; index: number; ratio: number; verified: boolean; ratioAfter: number | null; error?: string }
  | { type: 'warning'; at: string; message: string }
  | { type: 'run_ended'; at: string; outcome: Outcome; exitCode: number; reason: string; index: number };

/**
 * Shown but not journalled: progress, and `journal_fault`, the journal's first failed write (the
 * run stops and puts the starting ratio back; its last records exist only in its output).
 */
export type ProgressEvent =
  /** `inMs`: ms to the next sample on the monotonic clock; `until` is that instant in wall time, for display. */
  | { type: 'waiting'; at: string; index: number; until: string; inMs: number; sample: number; of: number }
  | { type: 'journal_fault'; at: string; message: string };

export type RunEvent = RunRecord | ProgressEvent;

export type RecordOf<T extends RunRecord['type']> = Extract<RunRecord, { type: T }>;
