import type { Plan } from './plan.js';

/**
 * How a plan position is called to people: gates (`check: consistency`, `pause: manual`) are
 * counted among gates and ratio steps among ratio steps, so `--steps 0.3,0.6,1.0` has steps
 * 1, 2, 3 whatever gates come before them (issue 11: "step 3 (ratio 0.6)" counted the
 * consistency gate as a step). Journal records keep the plan index (0-based, all kinds).
 */
export interface StepNumber {
  kind: 'gate' | 'step';
  /** 1-based, within its kind. */
  n: number;
}

/** Plan index -> `{ kind, n }`; an index past the plan counts as the next ratio step. Pure. */
export function stepNumber(plan: Pick<Plan, 'steps'>, index: number): StepNumber {
  const step = plan.steps[index];
  const kind = step && step.kind !== 'ratio' ? 'gate' : 'step';
  let n = 0;
  for (let i = 0; i <= index && i < plan.steps.length; i++) {
    const isGate = plan.steps[i]!.kind !== 'ratio';
    if ((kind === 'gate') === isGate) n++;
  }
  if (!step) n++;
  return { kind, n };
}

/** `gate 1`, `step 2`: the short name (tables, spinner). Pure. */
export function shortStepName(plan: Pick<Plan, 'steps'>, index: number): string {
  const { kind, n } = stepNumber(plan, index);
  return `${kind} ${n}`;
}

/** `gate 1 (consistency)`, `gate 2 (manual)`, `step 2 (ratio 0.6)`: the name in reasons and event lines. Pure. */
export function stepName(plan: Pick<Plan, 'steps'>, index: number): string {
  const step = plan.steps[index];
  const what = !step ? 'past the last step' : step.kind === 'ratio' ? `ratio ${step.ratio}` : step.kind === 'pause' ? 'manual' : 'consistency';
  return `${shortStepName(plan, index)} (${what})`;
}

/** `3 steps and 1 gate`: what a plan holds, for the run's first and last lines. Pure. */
export function planSize(plan: Pick<Plan, 'steps'>): string {
  const gates = plan.steps.filter((s) => s.kind !== 'ratio').length;
  const steps = plan.steps.length - gates;
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return gates === 0 ? count(steps, 'step') : `${count(steps, 'step')} and ${count(gates, 'gate')}`;
}
