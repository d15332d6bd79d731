import { errorMessage } from '../shared/errors.js';
import { endRun } from './endings.js';
import type { Run } from './run.js';

/** Health first, then the starting ratio; nothing is changed until both are known. */
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
  if (run.state.startRatio === null) {
    try {
      await run.record({ type: 'start_ratio', ratio: await traffic.getRatio() });
    } catch (error) {
      return endRun(run, 'error', `could not read the starting ratio: ${errorMessage(error)}; nothing was changed`, { kind: 'none' });
    }
  }
}
