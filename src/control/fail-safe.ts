import { endRun, hasSettled, type EndAction } from './endings.js';
import type { Run } from './run.js';

/**
 * The engine's catch-all: a fault in the controller itself (a bug, an absurd duration that made
 * `new Date(...)` throw, a view that threw) ends the run in the safe state instead of leaving the
 * ratio where the last step put it (issue 18: `Invalid time value` left it at 0.3, exit 2, no
 * end record).
 *
 * - Before `run_started`/`resumed` is recorded nothing was touched: the fault is rethrown as is.
 * - After the end was recorded there is nothing left to do.
 * - Otherwise the starting ratio is put back, whatever the state says (a fault can fall between
 *   a change and its record), unless the run's own end action already ran (a rollback is never
 *   undone into a restore) or another holder took the lease (their ratio is not ours to touch);
 *   then the end is recorded as `error` (exit 2) with the fault in its reason.
 * - When recording fails too, the traffic action has still been done first; the original fault
 *   is rethrown for the CLI to report.
 */
export async function failSafe(run: Run | undefined, fault: unknown): Promise<void> {
  let state;
  try {
    state = run?.state;
  } catch {
    state = undefined;
  }
  if (!run || !state) throw fault;
  if (state.phase === 'ended') return;
  const start = state.startRatio;
  const action: EndAction = hasSettled(run) || start === null || run.leaseLostTo !== undefined
    ? { kind: 'none' }
    : { kind: 'restore', ratio: start, always: true };
  try {
    await endRun(run, 'error', `the controller failed (${describe(fault)})`, action);
  } catch {
    throw fault;
  }
}

function describe(fault: unknown): string {
  if (!(fault instanceof Error)) return String(fault);
  return fault.name === 'Error' || fault.name === 'StreamctlError' ? fault.message : `${fault.name}: ${fault.message}`;
}

/**
 * The journal stopped taking writes (journal-guard.ts): the run takes no further step it could
 * not record, and puts the starting ratio back, as Ctrl-C does. Before any ratio was read nothing
 * was changed and nothing is set.
 */
export async function stopUnrecorded(run: Run): Promise<void> {
  const start = run.state.startRatio;
  await endRun(run, 'error', 'stopped: a run that cannot record its steps does not take the next one', start === null ? { kind: 'none' } : { kind: 'restore', ratio: start });
}
