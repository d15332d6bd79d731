import { errorMessage } from '../shared/errors.js';
import { exitCodeForOutcome, type Outcome } from './outcome.js';
import { percent, sameRatio } from './ratio.js';
import { verifiedRollback } from './rollback.js';
import type { Run } from './run.js';

/** What to do with the traffic as a run ends. */
export type EndAction = { kind: 'none' } | { kind: 'rollback' } | { kind: 'restore'; ratio: number };

/**
 * Ends the run: applies the action, downgrades the outcome when the action cannot be
 * verified (a rollback that cannot be verified is exit 2, whatever led to it), and records it.
 */
export async function endRun(run: Run, outcome: Outcome, reason: string, action: EndAction): Promise<void> {
  // The load stops releasing requests now; its summary is journalled once the ratio is safe.
  const load = run.haltLoad();
  let final = outcome;
  let why = reason;
  if (action.kind === 'rollback') {
    const verified = await rollback(run, reason);
    if (!verified) {
      final = 'rollback_failed';
      why = `${reason}; ROLLBACK COULD NOT BE VERIFIED: the ratio does not read 0`;
    } else {
      why = `${reason}; rolled back, ratio verified 0`;
    }
  } else if (action.kind === 'restore') {
    const expected = run.state.expectedRatio;
    if (expected === null || !sameRatio(expected, action.ratio)) {
      const verified = await restore(run, action.ratio);
      if (!verified) {
        final = 'restore_failed';
        why = `${reason}; RESTORING THE RATIO TO ${action.ratio} FAILED: the ratio is unknown`;
      } else {
        why = `${reason}; ratio restored to ${action.ratio} (${percent(action.ratio)})`;
      }
    } else {
      why = `${reason}; ratio left at ${action.ratio}`;
    }
  }
  await run.recordLoad(load);
  await run.record({ type: 'run_ended', outcome: final, exitCode: exitCodeForOutcome(final), reason: why, index: run.state.stepIndex });
}

/** The engine's rollback: the shared verified rollback, journalled. */
async function rollback(run: Run, reason: string): Promise<boolean> {
  const result = await verifiedRollback(run.deps.traffic, run.deps.clock, `streamctl ${run.runId}: ${reason}`, {
    ...(run.deps.rollbackVerifyAttempts !== undefined ? { attempts: run.deps.rollbackVerifyAttempts } : {}),
    ...(run.deps.rollbackVerifyDelayMs !== undefined ? { delayMs: run.deps.rollbackVerifyDelayMs } : {}),
  });
  await run.record({
    type: 'rollback', index: run.state.stepIndex, reason, verified: result.verified, ratioAfter: result.ratioAfter, reply: result.reply,
    ...(result.errors.length > 0 ? { error: result.errors.join('; ') } : {}),
  });
  return result.verified;
}

async function restore(run: Run, ratio: number): Promise<boolean> {
  let ratioAfter: number | null = null;
  let error: string | undefined;
  try {
    await run.deps.traffic.setRatio(ratio, `streamctl ${run.runId}: restore`);
    ratioAfter = await run.deps.traffic.getRatio();
  } catch (e) {
    error = errorMessage(e);
  }
  const verified = ratioAfter !== null && sameRatio(ratioAfter, ratio);
  await run.record({ type: 'restore', index: run.state.stepIndex, ratio, verified, ratioAfter, ...(error ? { error } : {}) });
  return verified;
}

/** The action a breach or a blind run takes under the plan's `on_breach`. */
export function breachAction(run: Run): EndAction {
  return run.state.plan.onBreach === 'rollback' ? { kind: 'rollback' } : { kind: 'none' };
}

/** Back to the ratio the run last proved; nothing to do when it is already there. */
export function restoreLastGood(run: Run): EndAction {
  const ratio = run.state.lastGoodRatio;
  return ratio === null ? { kind: 'none' } : { kind: 'restore', ratio };
}
