import { decreaseText, findDecreases } from './decrease.js';
import { endRun } from './endings.js';
import type { Run } from './run.js';

/**
 * Right after the starting ratio is read, before anything changes: a plan whose steps lower the
 * ratio (below the current one, or below an earlier step) goes on only when allowed
 * (`allowDecrease`) or approved by a human at the terminal; otherwise the run ends `refused`,
 * exit 64, nothing changed (issue 11: at ratio 1, `--steps 0.3,0.6,1.0 --json | cat` set 0.3
 * without a word). What let it go on is journalled as a warning and shown.
 *
 * Returns false when the run ended here.
 */
export async function approveDecreases(run: Run, current: number): Promise<boolean> {
  const { plan } = run.state;
  const decreases = findDecreases(current, plan);
  if (decreases.length === 0) return true;
  const lines = decreases.map((d) => decreaseText(plan, d));
  if (plan.allowDecrease === true) {
    await run.record({ type: 'warning', message: `moving traffic back, allowed by --allow-decrease: ${lines.join('; ')}` });
    return true;
  }
  const answer = run.deps.decreaseApproval ? await run.deps.decreaseApproval.ask(lines, run.waitSignal) : 'unavailable';
  if (run.aborted) return false; // the loop records the abort; nothing was changed
  if (run.leaseLostTo !== undefined) {
    await endRun(run, 'lease_lost', `${run.leaseLostTo}; stopped while asking whether to move traffic back; nothing was changed`, { kind: 'none' });
    return false;
  }
  if (answer === 'approved') {
    await run.record({ type: 'warning', message: `moving traffic back, approved at the terminal: ${lines.join('; ')}` });
    return true;
  }
  const why = answer === 'declined' ? 'declined at the terminal' : 'not allowed without a terminal to ask; add --allow-decrease (allow_decrease: true in a scenario) to allow it';
  await endRun(run, 'refused', `this plan moves traffic back (${lines.join('; ')}): ${why}; nothing was changed`, { kind: 'none' });
  return false;
}
