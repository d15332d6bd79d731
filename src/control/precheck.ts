import { errorMessage } from '../shared/errors.js';
import { approveDecreases } from './approve-decrease.js';
import { endRun } from './endings.js';
import { resumePoint } from './reentry.js';
import type { Run } from './run.js';

/**
 * Health first, then the ratio; nothing is changed until both are known. A new run records its
 * starting ratio and has any step that lowers it approved (approve-decrease.ts); a resumed one
 * records where it goes on from (reentry.ts).
 */
export async function precheckTick(run: Run): Promise<void> {
  const { traffic } = run.deps;
  if (!run.state.plan.precheck) {
    await run.record({ type: 'precheck', healthy: false, status: 'skipped', skipped: true });
  } else {
    let health;
    try {
      health = await traffic.health();
    } catch (error) {
      return endRun(run, 'error', `health pre-check failed: ${errorMessage(error)}; nothing was changed`, { kind: 'none' });
    }
    await run.record({ type: 'precheck', healthy: health.healthy, status: health.status, skipped: false });
    if (!health.healthy) {
      return endRun(run, 'precheck_failed', `service is not healthy (${health.status}); nothing was changed`, { kind: 'none' });
    }
  }
  let ratio: number;
  const resumed = run.state.startRatio !== null;
  try {
    ratio = await traffic.getRatio();
  } catch (error) {
    const what = resumed ? 'the ratio to resume from' : 'the starting ratio';
    return endRun(run, 'error', `could not read ${what}: ${errorMessage(error)}; nothing was changed`, { kind: 'none' });
  }
  if (!resumed) {
    await run.record({ type: 'start_ratio', ratio });
    await approveDecreases(run, ratio);
    return;
  }
  // A resume goes on from the ratio as it is now, never with a jump bigger than a planned step.
  const point = resumePoint(run.state, ratio);
  await run.record({ type: 'resume_point', ratio, index: point.index, then: point.then, reason: point.reason });
}
