import { endRun } from './endings.js';
import { sameRatio } from './ratio.js';
import type { Run } from './run.js';

/**
 * A resumed run whose journal shows its ending decided but not recorded (state.ts UnfinishedEnd:
 * a crash between a breach, its rollback and `run_ended`) carries that ending out and records
 * it; it never re-enters the step that ended it. The traffic action is verified by reading the
 * ratio: already where the ending puts it (0 after a rollback) means nothing to do; anything
 * else, or no answer, means the action is done again (a rollback is never skipped on a guess).
 */
export async function finishTick(run: Run): Promise<void> {
  const ending = run.state.unfinishedEnd!;
  const reason = `${ending.reason} (the run stopped before recording its end; finished by --resume)`;
  const { action } = ending;
  if (action.kind === 'none') return endRun(run, ending.outcome, reason, action);
  const wanted = action.kind === 'rollback' ? 0 : action.ratio;
  let ratio: number | null = null;
  try {
    ratio = await run.deps.traffic.getRatio();
  } catch {
    ratio = null; // unknown: do the action again
  }
  if (ratio !== null && sameRatio(ratio, wanted)) {
    const done = action.kind === 'rollback' ? 'rolled back, ratio verified 0' : `ratio verified at ${wanted}`;
    return endRun(run, ending.outcome, `${reason}; ${done}`, { kind: 'none' });
  }
  return endRun(run, ending.outcome, reason, action.kind === 'restore' ? { ...action, always: true } : action);
}
