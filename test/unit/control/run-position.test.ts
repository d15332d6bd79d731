import { describe, expect, it } from 'vitest';
import { decreaseText, findDecreases } from '../../../src/control/decrease.js';
import type { Plan, RatioStep } from '../../../src/control/plan.js';
import { runProgress, upcomingSteps } from '../../../src/control/progress.js';
import { remainingSteps, resumePoint } from '../../../src/control/reentry.js';
import { planSize, shortStepName, stepName } from '../../../src/control/step-names.js';
import { flagsPlan } from './harness.js';

/** `cutover --steps 0.3,0.6,1.0` with its consistency gate first: [gate, 0.3, 0.6, 1]. */
const cutover = flagsPlan({ steps: [0.3, 0.6, 1], skipConsistency: false });
const ratio = (r: number, observeMs = 300_000): RatioStep => ({ ...(flagsPlan().steps[0] as RatioStep), ratio: r, observeMs });
const gated: Plan = { ...flagsPlan(), steps: [{ kind: 'check', check: 'consistency' }, ratio(0.1), { kind: 'pause', message: 'look' }, ratio(0.5), ratio(1)] };

describe('step names: gates and ratio steps are counted apart (issue 11)', () => {
  it('--steps 0.3,0.6,1.0 after the consistency gate are steps 1, 2, 3', () => {
    expect(cutover.steps.map((_, i) => stepName(cutover, i))).toEqual(['gate 1 (consistency)', 'step 1 (ratio 0.3)', 'step 2 (ratio 0.6)', 'step 3 (ratio 1)']);
    expect(gated.steps.map((_, i) => shortStepName(gated, i))).toEqual(['gate 1', 'step 1', 'gate 2', 'step 2', 'step 3']);
    expect(stepName(gated, 2)).toBe('gate 2 (manual)');
    expect(planSize(cutover)).toBe('3 steps and 1 gate');
    expect(planSize(flagsPlan({ steps: [1] }))).toBe('1 step');
  });
});

describe('stepping down is found as a pure function of the current ratio and the steps', () => {
  it('a first step below the current ratio', () => {
    const found = findDecreases(1, cutover);
    expect(found).toEqual([{ index: 1, from: 1, to: 0.3, after: 'the current ratio' }]);
    expect(decreaseText(cutover, found[0]!)).toBe('step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3: 70% of traffic back to the traditional path');
  });

  it('steps that decrease within the plan, whatever the current ratio (null: not read)', () => {
    const down = flagsPlan({ steps: [0.6, 0.3, 1, 0] });
    expect(findDecreases(null, down).map((d) => [d.index, d.from, d.to, d.after])).toEqual([[1, 0.6, 0.3, 'step 1 (ratio 0.6)'], [3, 1, 0, 'step 3 (ratio 1)']]);
    expect(findDecreases(0.7, down).map((d) => d.index)).toEqual([0, 1, 3]);
  });

  it('going up, staying level or a rounding difference is no decrease', () => {
    expect(findDecreases(0, cutover)).toEqual([]);
    expect(findDecreases(0.3, flagsPlan({ steps: [0.3, 0.3, 1] }))).toEqual([]);
    expect(findDecreases(0.30000000000000004, flagsPlan({ steps: [0.3] }))).toEqual([]);
  });
});

describe('where a resumed run goes on: never a move bigger than a planned one', () => {
  const standing = { plan: cutover, stepIndex: 2, lastGoodRatio: 0.3, lastPassedRatioStep: 1, resumeAt: null };

  it('Ctrl-C at 0.6 restored 0: re-enter 0.3 (step 1), then go on with 0.6', () => {
    const point = resumePoint(standing, 0);
    expect(point).toMatchObject({ index: 1, then: 2 });
    expect(point.reason).toContain('re-enters step 1 (ratio 0.3), the last ratio that passed');
    expect(remainingSteps(cutover, point)).toEqual([1, 2, 3]);
  });

  it('a crash left the ratio at the step in flight, or a pause at the last passed ratio: go on where it stood', () => {
    expect(resumePoint(standing, 0.6)).toMatchObject({ index: 2, then: null });
    expect(resumePoint(standing, 0.3)).toMatchObject({ index: 2, then: null });
    expect(resumePoint(standing, 0.45)).toMatchObject({ index: 2, then: null }); // 0.15 from 0.6: less than planned
  });

  it('interrupted again while re-entering: re-enter the same step, still returning where it stood', () => {
    expect(resumePoint({ ...standing, stepIndex: 1, lastPassedRatioStep: 1, resumeAt: 2 }, 0)).toMatchObject({ index: 1, then: 2 });
    expect(resumePoint({ ...standing, stepIndex: 1, lastPassedRatioStep: 1, resumeAt: 2 }, 0.3)).toMatchObject({ index: 1, then: 2 });
  });

  it('a paused gate whose ratio was moved away: back to the last passed step, then the gate', () => {
    const paused = { plan: gated, stepIndex: 2, lastGoodRatio: 0.1, lastPassedRatioStep: 1, resumeAt: null };
    expect(resumePoint(paused, 0.1)).toMatchObject({ index: 2, then: null });
    expect(resumePoint(paused, 1)).toMatchObject({ index: 1, then: 2 });
  });

  it('no ratio step passed yet, or none left: go on where it stood', () => {
    expect(resumePoint({ ...standing, stepIndex: 1, lastGoodRatio: 0, lastPassedRatioStep: null }, 0)).toMatchObject({ index: 1, then: null });
    expect(resumePoint({ ...standing, stepIndex: 4, lastGoodRatio: 1, lastPassedRatioStep: 3 }, 0)).toMatchObject({ index: 4, then: null });
  });
});

describe('elapsed time and ETA of the whole run', () => {
  it('counts the rest of the step in flight, every later ratio step, and the gates apart', () => {
    expect(runProgress(gated, upcomingSteps(gated, 1), 60_000, 100_000)).toEqual({ elapsedMs: 60_000, remainingMs: 200_000 + 600_000, gatesLeft: 1 });
    expect(runProgress(gated, upcomingSteps(gated, 0), 0)).toEqual({ elapsedMs: 0, remainingMs: 900_000, gatesLeft: 2 });
    expect(runProgress(gated, upcomingSteps(gated, 5), 1_000)).toEqual({ elapsedMs: 1_000, remainingMs: 0, gatesLeft: 0 });
  });

  it('a re-entered step is counted, then the run from where it stood', () => {
    expect(upcomingSteps(cutover, 1, 2)).toEqual([1, 2, 3]);
    expect(upcomingSteps(gated, 1, 3)).toEqual([1, 3, 4]);
    expect(runProgress(cutover, upcomingSteps(cutover, 1, 3), 0).remainingMs).toBe(600_000);
  });
});
