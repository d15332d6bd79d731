import { errorMessage } from '../shared/errors.js';
import { analyseSample, unreachableSample, type Sample } from './analysis.js';
import { decide, stepPassed } from './decide.js';
import { breachAction, endRun, restoreLastGood } from './endings.js';
import { readInterval } from './interval-reading.js';
import { samplesPerStep, type RatioStep } from './plan.js';
import type { Run } from './run.js';
import { stepName } from './step-names.js';

/** One observation tick: wait for the next sample time, take it, judge it, act on it. */
export async function observeTick(run: Run): Promise<void> {
  const index = run.state.stepIndex;
  const step = run.state.plan.steps[index] as RatioStep;
  const total = samplesPerStep(step);
  const taken = run.state.counters.samples;

  if (taken >= total) {
    await run.stopLoad();
    if (stepPassed(run.state.counters)) {
      await run.record({ type: 'step_passed', index, ratio: step.ratio });
      return;
    }
    const c = run.state.counters;
    const reason = `${stepName(run.state.plan, index)} proved nothing: 0 ok of ${c.samples} samples (${c.inconclusive} inconclusive, ${c.failed} failed, ${c.errors} errors)`;
    await run.record({ type: 'step_not_passed', index, reason });
    return endRun(run, 'inconclusive', reason, restoreLastGood(run));
  }

  // Sample n is due n intervals after the step started, on the monotonic clock: a wall-clock step
  // (NTP moved it back 120 s in issue 18) neither stalls nor hurries it. The anchor is always this
  // process's own: a resumed run re-enters its step and records step_started again.
  const now = run.deps.clock.monotonic();
  run.stepStartedMono ??= now;
  const inMs = Math.max(0, run.stepStartedMono + (taken + 1) * step.intervalMs - now);
  run.progress({ type: 'waiting', index, until: new Date(run.deps.clock.now() + inMs).toISOString(), inMs, sample: taken + 1, of: total });
  await run.waitUntil(now + inMs);
  if (run.aborted) return;
  if (run.leaseLostTo !== undefined) {
    return endRun(run, 'lease_lost', `${run.leaseLostTo}; this run stopped touching the ratio (left at ${run.state.expectedRatio})`, { kind: 'none' });
  }

  const sample = await takeSample(run, step);
  await run.record({ type: 'sample', index, n: taken + 1, sample });
  const decision = decide(run.state.counters, sample, run.state.plan.limits);
  const judged = decision.action === 'breach' ? decision.measurement : undefined;
  await run.record({
    type: 'decision', index, action: decision.action, reason: decision.reason,
    ...(judged ? { check: judged.check, value: judged.value, threshold: judged.threshold } : {}),
  });

  const where = `${stepName(run.state.plan, index)}, sample ${taken + 1}/${total}`;
  switch (decision.action) {
    case 'continue':
      return;
    case 'breach': {
      const action = breachAction(run);
      return endRun(run, action.kind === 'rollback' ? 'rolled_back' : 'held', `breach at ${where}: ${decision.reason}`, action);
    }
    case 'stop_inconclusive':
      return endRun(run, 'inconclusive', `inconclusive at ${where}: ${decision.reason}`, restoreLastGood(run));
    case 'stop_error':
      return endRun(run, 'error', `service unreachable at ${where}: ${decision.reason}`, breachAction(run));
  }
}

/** One sample: the ratio (drift) and the traffic of the interval since the previous read (interval-reading.ts). */
async function takeSample(run: Run, step: RatioStep): Promise<Sample> {
  let actual: number;
  let judged;
  try {
    actual = await run.deps.traffic.getRatio();
    judged = await readInterval(run);
  } catch (error) {
    return unreachableSample(errorMessage(error));
  }
  return analyseSample(judged, step.thresholds, { expected: run.state.expectedRatio ?? step.ratio, actual });
}
