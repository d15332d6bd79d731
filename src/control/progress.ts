import type { Plan } from './plan.js';

/** Where a run stands in time. All ms; wall time is only ever subtracted for display. */
export interface RunProgress {
  /** Since the run started (its `run_started` record), including any time it was stopped or paused. */
  elapsedMs: number;
  /**
   * The planned observation time left: the rest of the step in flight plus every later ratio
   * step's `observe`, and a re-entered step's return path. A lower bound: gates take as long as
   * a human (or the consistency check) does, counted in `gatesLeft`.
   */
  remainingMs: number;
  /** Gates (manual and consistency) still ahead, the one waiting included. */
  gatesLeft: number;
}

/**
 * Elapsed and ETA for the whole run (issue 11: nothing said how long was left).
 *
 * `upcoming`: the plan indexes still to go through, in order, the one in flight first (from
 * reentry.ts remainingSteps, or `index..end`); `inStepMs`: how long the first of them has been
 * observed (0 before it started). Pure.
 */
export function runProgress(plan: Pick<Plan, 'steps'>, upcoming: number[], elapsedMs: number, inStepMs = 0): RunProgress {
  let remainingMs = 0;
  let gatesLeft = 0;
  upcoming.forEach((index, i) => {
    const step = plan.steps[index];
    if (!step) return;
    if (step.kind !== 'ratio') gatesLeft++;
    else remainingMs += i === 0 ? Math.max(0, step.observeMs - inStepMs) : step.observeMs;
  });
  return { elapsedMs: Math.max(0, elapsedMs), remainingMs, gatesLeft };
}

/** The indexes from `index` to the plan's end; with `then`, `index` first and then from `then` on. Pure. */
export function upcomingSteps(plan: Pick<Plan, 'steps'>, index: number, then: number | null = null): number[] {
  const from = then ?? index;
  const rest = plan.steps.map((_, i) => i).filter((i) => i >= from);
  return then === null ? rest : [index, ...rest];
}
