/**
 * Section 6, rollback time: two `streamctl serve` instances on one harness-owned Redis. Per run:
 * set the ratio to 0.5 and wait until both read it; then call POST /api/emergency_rollback on the
 * first while polling GET /api/stream_traffic_ratio on both every 10 ms; the figure is the time
 * from sending the call until both read 0 (resolution: the poll interval plus one GET).
 */
import { getJson, postJson, sleep } from './admin.js';
import { checkAborted, type BenchContext } from './context.js';
import { startRedis, startServe, type ServerHandle } from './servers.js';
import { spread } from './stats.js';
import type { RollbackRun, RollbackSection } from './types.js';

const POLL_MS = 10;
const TIMEOUT_MS = 10_000;

const readRatio = async (server: ServerHandle) => (await getJson<{ current_ratio: number }>(`${server.url}/api/stream_traffic_ratio`, 2_000)).current_ratio;

/** Polls both every POLL_MS until each has read `value`; returns ms (from `t0`) at which each first did. */
async function untilBoth(a: ServerHandle, b: ServerHandle, value: number, t0: number): Promise<[number, number]> {
  const seen: [number | null, number | null] = [null, null];
  while (seen[0] === null || seen[1] === null) {
    const tick = performance.now();
    if (tick - t0 > TIMEOUT_MS) throw new Error(`the ratio did not reach ${value} on both instances within ${TIMEOUT_MS} ms`);
    const [ra, rb] = await Promise.all([readRatio(a), readRatio(b)]);
    const at = performance.now() - t0;
    if (seen[0] === null && ra === value) seen[0] = at;
    if (seen[1] === null && rb === value) seen[1] = at;
    await sleep(Math.max(0, POLL_MS - (performance.now() - tick)));
  }
  return [seen[0], seen[1]];
}

export async function runRollback(ctx: BenchContext): Promise<RollbackSection> {
  const { config, resources } = ctx;
  const redisDir = resources.tempDir('rollback-redis');
  const dirs = [resources.tempDir('rollback-a'), resources.tempDir('rollback-b')];
  const redis = await startRedis(resources, redisDir);
  const servers: ServerHandle[] = [];
  const runs: RollbackRun[] = [];
  try {
    for (const dir of dirs) servers.push(await startServe(resources, { dataDir: dir, redisUrl: redis.url }));
    const [a, b] = servers as [ServerHandle, ServerHandle];
    for (let run = 1; run <= config.rollbackRuns; run++) {
      checkAborted(ctx);
      await postJson(`${a.url}/api/stream_traffic_ratio`, { ratio: 0.5, reason: 'bench: rollback timing' });
      await untilBoth(a, b, 0.5, performance.now());
      await sleep(100);
      const t0 = performance.now();
      let callMs = NaN;
      const call = postJson(`${a.url}/api/emergency_rollback`, { reason: 'bench: rollback timing' }).then(() => (callMs = performance.now() - t0));
      const [onA, onB] = await untilBoth(a, b, 0, t0);
      await call;
      const result: RollbackRun = { run, both_zero_ms: Math.round(Math.max(onA, onB) * 10) / 10, other_zero_ms: Math.round(onB * 10) / 10, call_ms: Math.round(callMs * 10) / 10 };
      runs.push(result);
      ctx.log(`rollback run ${run}: both at 0 after ${result.both_zero_ms} ms (other instance ${result.other_zero_ms} ms, call answered in ${result.call_ms} ms)`);
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await redis.stop();
    for (const dir of [...dirs, redisDir]) resources.removeDir(dir);
  }
  return {
    poll_ms: POLL_MS,
    summary: { both_zero_ms: spread(runs.map((r) => r.both_zero_ms)), other_zero_ms: spread(runs.map((r) => r.other_zero_ms)), call_ms: spread(runs.map((r) => r.call_ms)) },
    runs,
  };
}
