import type { Plan } from './plan.js';
import { upcomingSteps } from './progress.js';
import { sameRatio } from './ratio.js';
import { stepName } from './step-names.js';

/** What a resumed run needs to know of its journal to decide where to go on. */
export interface ResumeStanding {
  plan: Pick<Plan, 'steps'>;
  /** Plan index the run stood at (the step in flight, or the next one). */
  stepIndex: number;
  /** The ratio last proven by a passed ratio step, or the starting ratio. */
  lastGoodRatio: number | null;
  /** Plan index of the ratio step that proved `lastGoodRatio`; null when none passed yet. */
  lastPassedRatioStep: number | null;
  /** Set while re-entering: the index the run goes back to once the re-entered step passed. */
  resumeAt: number | null;
}

/** Where a resumed run goes on, and why. */
export interface ResumePoint {
  /** The plan index entered next. */
  index: number;
  /** The index the run returns to once `index` passed; null when `index` is where it stood. */
  then: number | null;
  reason: string;
}

/**
 * Where a resumed run re-enters (issue 11: Ctrl-C at 0.6 restored the starting 0, and the
 * resume set 0 -> 0.6 in one jump, bigger than any planned step).
 *
 * The rule: no move is bigger than the plan's. The run's next ratio step k (at or after where
 * it stood) was planned to move from the last passed ratio (`lastGoodRatio`); when the ratio read
 * now is further from k's ratio than that (|r_k - now| > |r_k - lastGood|), the run re-enters
 * the last passed ratio step first: it sets that ratio and observes it in full again (the
 * traffic spent a while elsewhere, so the earlier proof is stale), then goes on where it stood;
 * gates already passed between the two are not asked again. Otherwise (a crash left the ratio
 * at the step in flight, a pause or an inconclusive stop left it at the last passed ratio) it
 * goes on where it stood. With no ratio step passed yet, the first planned move is from
 * wherever the ratio is: it goes on where it stood.
 *
 * `now`: the ratio read when the run resumes (0..1). Pure.
 */
export function resumePoint(standing: ResumeStanding, now: number): ResumePoint {
  const { plan, stepIndex, lastGoodRatio, lastPassedRatioStep } = standing;
  const here = stepIndex;
  const stayReason = (why: string): ResumePoint => ({ index: here, then: standing.resumeAt, reason: why });
  const next = plan.steps.findIndex((s, i) => i >= here && s.kind === 'ratio');
  const nextStep = next >= 0 ? plan.steps[next] : undefined;
  if (!nextStep || nextStep.kind !== 'ratio') return stayReason(`ratio ${now}; no ratio step left`);
  if (lastGoodRatio === null || lastPassedRatioStep === null) {
    return stayReason(`ratio ${now}; no ratio step has passed yet, so the run goes on with ${stepName(plan, here)}`);
  }
  const planned = Math.abs(nextStep.ratio - lastGoodRatio);
  const actual = Math.abs(nextStep.ratio - now);
  if (actual <= planned || sameRatio(actual, planned)) {
    return stayReason(`ratio ${now}; ${stepName(plan, next)} moves it no further than planned (from ${lastGoodRatio}), so the run goes on with ${stepName(plan, here)}`);
  }
  const back = lastPassedRatioStep;
  const then = standing.resumeAt ?? here;
  return {
    index: back,
    then: then === back ? null : then,
    reason: `ratio ${now}; ${stepName(plan, next)} was planned from ${lastGoodRatio}, so the run re-enters ${stepName(plan, back)}, the last ratio that passed, before it goes on`,
  };
}

/** The plan indexes a resumed run still goes through, in order (progress.ts upcomingSteps). Pure. */
export function remainingSteps(plan: Pick<Plan, 'steps'>, point: ResumePoint): number[] {
  return upcomingSteps(plan, point.index, point.then);
}
