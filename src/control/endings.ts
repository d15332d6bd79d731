import { errorMessage } from '../shared/errors.js';
import { journalFaultOf, withJournalFault } from './journal-guard.js';
import { exitCodeForOutcome, type Outcome } from './outcome.js';
import { percent, sameRatio } from './ratio.js';
import { verifiedRollback } from './rollback.js';
import type { Run } from './run.js';

/**
 * What to do with the traffic as a run ends. `restore` is skipped when the state says the ratio
 * is already there, unless `always`: after a fault the state may lag the service (a ratio set
 * whose record never happened), so the fail-safe sets it whatever the state says.
 */
export type EndAction = { kind: 'none' } | { kind: 'rollback' } | { kind: 'restore'; ratio: number; always?: boolean };

/** Runs whose end action was carried out: a fault after it must not move the traffic again. */
const settled = new WeakSet<Run>();

/** True once `endRun` has done its traffic action (or decided on none) for this run. */
export function hasSettled(run: Run): boolean {
  return settled.has(run);
}

/**
 * Ends the run: applies the action, downgrades the outcome when the action cannot be
 * verified (a rollback that cannot be verified is exit 2, whatever led to it), and records it.
 * A run whose journal stopped taking writes exits 2 whatever its outcome, saying so: what it
 * did is in its output, not all in its journal.
 */
export async function endRun(run: Run, outcome: Outcome, reason: string, action: EndAction): Promise<void> {
  // Confirmed with the target first: a run that lost its lease leaves the traffic to whoever
  // holds it now (issue 18: a run whose lease had lapsed rolled another run's 0.9 back to 0).
  if (movesTraffic(run, action)) {
    const lease = await run.confirmLease();
    if (!lease.held) {
      const verb = action.kind === 'rollback' ? 'rolled back' : `restored to ${(action as { ratio: number }).ratio}`;
      return endRun(run, 'lease_lost', `${reason}; the ratio was NOT ${verb} (this run last set ${run.state.expectedRatio}; the target is no longer this run's): ${lease.reason}`, { kind: 'none' });
    }
  }
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
    if (action.always === true || expected === null || !sameRatio(expected, action.ratio)) {
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
  settled.add(run);
  await run.recordLoad(load);
  const end = withJournalFault(exitCodeForOutcome(final), why, journalFaultOf(run.deps.journal));
  await run.record({ type: 'run_ended', outcome: final, exitCode: end.exitCode, reason: end.reason, index: run.state.stepIndex });
}

/** The engine's rollback: the shared verified rollback, journalled. */
async function rollback(run: Run, reason: string): Promise<boolean> {
  const result = await verifiedRollback(run.deps.traffic, run.deps.clock, `streamctl ${run.runId}: ${reason}`, {
    ...(run.deps.rollbackVerifyAttempts !== undefined ? { attempts: run.deps.rollbackVerifyAttempts } : {}),
    ...(run.deps.rollbackVerifyDelayMs !== undefined ? { delayMs: run.deps.rollbackVerifyDelayMs } : {}),
  });
  settled.add(run);
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
  settled.add(run);
  const verified = ratioAfter !== null && sameRatio(ratioAfter, ratio);
  await run.record({ type: 'restore', index: run.state.stepIndex, ratio, verified, ratioAfter, ...(error ? { error } : {}) });
  return verified;
}

/** Whether `action` would change the ratio (a restore to where the ratio already is does not). */
function movesTraffic(run: Run, action: EndAction): boolean {
  if (action.kind === 'rollback') return true;
  if (action.kind === 'none') return false;
  const expected = run.state.expectedRatio;
  return action.always === true || expected === null || !sameRatio(expected, action.ratio);
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
