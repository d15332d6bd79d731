import type { Plan } from './plan.js';
import { percent, sameRatio } from './ratio.js';
import { stepName } from './step-names.js';

/** One move of the plan that sends traffic back to the traditional path. */
export interface Decrease {
  /** Plan index of the ratio step that lowers the ratio. */
  index: number;
  /** The ratio before the move: the current ratio (first step) or the previous ratio step's. */
  from: number;
  to: number;
  /** `the current ratio` or the step the ratio comes from, for the message. */
  after: string;
}

/**
 * Every ratio step of `plan` that lowers the ratio, in order (issue 11: at ratio 1,
 * `cutover --steps 0.3,0.6,1.0` set 0.3 without a word). Moving traffic back is a decision of
 * its own, never a side effect of a plan: the CLI asks on a terminal and refuses (exit 64)
 * without one unless `--allow-decrease` / `allow_decrease: true`.
 *
 * `current`: the ratio read at the start (0..1), or null when unknown (a dry run reads nothing):
 * then only decreases within the plan are found. Equal ratios (within 1e-6) are no decrease.
 * Pure.
 */
export function findDecreases(current: number | null, plan: Pick<Plan, 'steps'>): Decrease[] {
  const found: Decrease[] = [];
  let before: { ratio: number; after: string } | null = current === null ? null : { ratio: current, after: 'the current ratio' };
  plan.steps.forEach((step, index) => {
    if (step.kind !== 'ratio') return;
    if (before && step.ratio < before.ratio && !sameRatio(step.ratio, before.ratio)) {
      found.push({ index, from: before.ratio, to: step.ratio, after: before.after });
    }
    before = { ratio: step.ratio, after: stepName(plan, index) };
  });
  return found;
}

/** `step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3: 70% of traffic back to the traditional path`. Pure. */
export function decreaseText(plan: Pick<Plan, 'steps'>, d: Decrease): string {
  return `${stepName(plan, d.index)} lowers the ratio from ${d.from} (${d.after}) to ${d.to}: ${percent(d.from - d.to)} of traffic back to the traditional path`;
}
