import { errorMessage } from '../shared/errors.js';
import { breachAction, endRun } from './endings.js';
import { samplesPerStep, type CheckStep, type PauseStep, type RatioStep } from './plan.js';
import { percent, sameRatio } from './ratio.js';
import { takeBaseline } from './interval-reading.js';
import { isRefusal } from './refused.js';
import { planSize, shortStepName, stepName } from './step-names.js';
import type { Run } from './run.js';

/** Entering step `stepIndex`: set a ratio, or pass a gate. One action per tick. */
export async function enterStepTick(run: Run): Promise<void> {
  const { plan, stepIndex } = run.state;
  const step = plan.steps[stepIndex];
  if (!step) {
    const ratio = run.state.expectedRatio;
    return endRun(run, 'completed', `all ${planSize(plan)} passed; ratio is ${ratio} (${percent(ratio ?? 0)})`, { kind: 'none' });
  }
  if (step.kind === 'ratio') return enterRatio(run, step);
  if (step.kind === 'pause') return manualGate(run, step);
  return consistencyGate(run, step);
}

async function enterRatio(run: Run, step: RatioStep): Promise<void> {
  const { traffic } = run.deps;
  const index = run.state.stepIndex;
  const name = stepName(run.state.plan, index);
  // The lease is confirmed with the target first: a run whose lease lapsed (a gate that outlived
  // it) or was taken must not move traffic another controller may own (issue 18: 0.9 -> 0.5).
  const lease = await run.confirmLease();
  if (!lease.held) {
    return endRun(run, 'lease_lost', `${lease.reason}; ${name} was not applied, the ratio was left at ${run.state.expectedRatio}`, { kind: 'none' });
  }
  let old: number | null = null;
  let readBack: number;
  try {
    old = (await traffic.setRatio(step.ratio, `streamctl ${run.runId} ${shortStepName(run.state.plan, index)}`)).oldRatio;
    readBack = await traffic.getRatio();
  } catch (error) {
    if (isRefusal(error)) {
      // Refused (400/401): the ratio did not change, so it stays at the last proven value.
      return endRun(run, 'error', `setting ratio ${step.ratio} was refused: ${errorMessage(error)}`, { kind: 'none' });
    }
    return endRun(run, 'error', `setting ratio ${step.ratio} failed: ${errorMessage(error)}; the ratio is unknown`, breachAction(run));
  }
  await run.record({ type: 'ratio_set', index, requested: step.ratio, old, readBack });
  if (!sameRatio(readBack, step.ratio)) {
    return endRun(run, 'error', `ratio reads ${readBack} right after setting ${step.ratio}`, breachAction(run));
  }
  // Every sample of this step judges the traffic since the previous read; the first, since here:
  // traffic from before this ratio (and before the run) is never judged (issue 11).
  await takeBaseline(run);
  if (step.load) {
    try {
      await run.startLoad(index, step.load);
    } catch (error) {
      return endRun(run, 'error', `load for ${name} did not start: ${errorMessage(error)}`, { kind: 'restore', ratio: run.state.lastGoodRatio ?? 0 });
    }
  }
  run.stepStartedMono = run.deps.clock.monotonic();
  await run.record({ type: 'step_started', index, ratio: step.ratio, samples: samplesPerStep(step) });
}

async function manualGate(run: Run, step: PauseStep): Promise<void> {
  const index = run.state.stepIndex;
  const name = shortStepName(run.state.plan, index);
  if (run.state.approvedGate === index) {
    await run.record({ type: 'gate', index, gate: 'manual', result: 'approved', summary: 'approved by --resume' });
    await run.record({ type: 'step_passed', index, ratio: null });
    return;
  }
  const gate = run.deps.manualGate;
  // Journalled before the wait, so `status` in another terminal shows the run paused here
  // rather than "running or crashed" (issue 11); the approval or the end follows it.
  await run.record({ type: 'gate', index, gate: 'manual', result: 'waiting', summary: step.message });
  // The prompt ends early when the lease is lost (it renews in the background meanwhile), so the
  // operator learns it at once rather than on pressing Enter.
  const answer = gate ? await gate.wait({ name, message: step.message }, run.waitSignal) : 'unavailable';
  if (run.aborted) return; // the loop restores the starting ratio
  if (run.leaseLostTo !== undefined) {
    return endRun(run, 'lease_lost', `${run.leaseLostTo}; stopped at the manual gate (${name}), the ratio was left at ${run.state.expectedRatio}`, { kind: 'none' });
  }
  if (answer === 'continue') {
    await run.record({ type: 'gate', index, gate: 'manual', result: 'approved', summary: 'approved at the terminal' });
    await run.record({ type: 'step_passed', index, ratio: null });
    return;
  }
  return endRun(run, 'paused', `paused at ${name} (manual): ${step.message}; ratio stays ${run.state.expectedRatio}`, { kind: 'none' });
}

async function consistencyGate(run: Run, _step: CheckStep): Promise<void> {
  const index = run.state.stepIndex;
  const name = stepName(run.state.plan, index);
  let result;
  try {
    result = run.deps.consistency ? await run.deps.consistency.run() : { verdict: 'skipped' as const, summary: 'no consistency check is available here' };
  } catch (error) {
    result = { verdict: 'error' as const, summary: errorMessage(error) };
  }
  await run.record({ type: 'gate', index, gate: 'consistency', result: result.verdict, summary: result.summary });
  switch (result.verdict) {
    case 'consistent':
      await run.record({ type: 'step_passed', index, ratio: null });
      return;
    case 'skipped':
      // Never a silent pass: the warning is journalled and shown.
      await run.record({ type: 'warning', message: `${name} SKIPPED: ${result.summary}` });
      await run.record({ type: 'step_passed', index, ratio: null });
      return;
    case 'inconclusive':
      return endRun(run, 'inconclusive', `${name} inconclusive: ${result.summary}`, { kind: 'none' });
    case 'inconsistent': {
      await run.record({ type: 'decision', index, action: 'breach', reason: `consistency gate: ${result.summary}`, check: 'consistency', value: null, threshold: null });
      const action = breachAction(run);
      return endRun(run, action.kind === 'rollback' ? 'rolled_back' : 'held', `${name} found inconsistencies: ${result.summary}`, action);
    }
    case 'error':
      return endRun(run, 'error', `${name} could not run: ${result.summary}`, { kind: 'none' });
  }
}
