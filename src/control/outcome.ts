import { ExitCode } from '../shared/exit-code.js';

export type Outcome =
  | 'completed'
  | 'rolled_back'
  | 'held'
  | 'rollback_failed'
  | 'restore_failed'
  | 'inconclusive'
  | 'paused'
  | 'aborted'
  | 'error'
  | 'precheck_failed'
  | 'lease_held'
  | 'lease_lost'
  /** Refused before any change: the plan moves traffic back without `--allow-decrease` (decrease.ts). */
  | 'refused';

const EXIT: Record<Outcome, ExitCode> = {
  completed: ExitCode.Ok,
  rolled_back: ExitCode.CheckFailed,
  held: ExitCode.CheckFailed,
  rollback_failed: ExitCode.CouldNotRun,
  restore_failed: ExitCode.CouldNotRun,
  error: ExitCode.CouldNotRun,
  inconclusive: ExitCode.Inconclusive,
  paused: ExitCode.Inconclusive,
  precheck_failed: ExitCode.Inconclusive,
  lease_held: ExitCode.Inconclusive,
  lease_lost: ExitCode.Inconclusive,
  aborted: ExitCode.Interrupted,
  refused: ExitCode.Usage,
};

export function exitCodeForOutcome(outcome: Outcome): ExitCode {
  return EXIT[outcome];
}

/**
 * Runs that ended in one of these are finished business: `--resume` refuses them. A refused run
 * changed nothing; it is started again with `--allow-decrease` (or a plan that does not step down).
 */
export const FINAL_OUTCOMES: ReadonlySet<Outcome> = new Set(['completed', 'rolled_back', 'held', 'rollback_failed', 'restore_failed', 'refused']);
