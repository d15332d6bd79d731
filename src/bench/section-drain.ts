/**
 * Section 4, drain: per run, a harness-owned redis-server (configured like serve's embedded one),
 * filled with N entries in the wire format while no consumer runs; then the raw XREADGROUP+XACK
 * rate of a second group on the same stream; then `streamctl serve --redis-url` starts and its
 * consumers persist the backlog into a fresh SQLite file. Rows/s runs from the first row seen to
 * the last (the row watcher polls max(id) every 50 ms).
 */
import { join } from 'node:path';
import { sleep } from './admin.js';
import { checkAborted, type BenchContext } from './context.js';
import { createGroups, fillStream, rawDrain } from './drain-redis.js';
import { RowWatcher } from './row-watcher.js';
import { BENCH_MAX_BACKLOG } from './section-ingest.js';
import { startRedis, startServe } from './servers.js';
import { ratio, spread } from './stats.js';
import type { DrainRun, DrainSection } from './types.js';

const CONSUMERS = 1;
const CONSUMER_BATCH = 200;
const WATCH_MS = 50;

export async function runDrain(ctx: BenchContext): Promise<DrainSection> {
  const { config, resources } = ctx;
  const runs: DrainRun[] = [];
  const entries = config.drainEntries;
  for (let run = 1; run <= config.runs; run++) {
    checkAborted(ctx);
    const redisDir = resources.tempDir('drain-redis');
    const serveDir = resources.tempDir('drain-serve');
    const redis = await startRedis(resources, redisDir);
    try {
      const fillS = await fillStream(redis.url, entries);
      await createGroups(redis.url);
      const raw = await rawDrain(redis.url);
      if (raw.entries !== entries) ctx.note(`drain run ${run}: the raw group read ${raw.entries} of ${entries} entries`);
      checkAborted(ctx);
      const watcher = new RowWatcher(join(serveDir, 'streamctl.db'), WATCH_MS, false).start();
      const server = await startServe(resources, { dataDir: serveDir, redisUrl: redis.url, consumers: CONSUMERS, consumerBatch: CONSUMER_BATCH, maxBacklog: BENCH_MAX_BACKLOG });
      try {
        // Generous: even at 5,000 rows/s a million rows finish in time.
        const deadline = Date.now() + Math.max(60_000, (entries / 5_000) * 1_000);
        while (watcher.rows < entries && Date.now() < deadline) {
          checkAborted(ctx);
          await sleep(WATCH_MS);
        }
        watcher.stop();
        const rows = watcher.count() ?? watcher.rows;
        if (rows < entries) ctx.note(`drain run ${run}: only ${rows} of ${entries} rows were written before the deadline`);
        const seconds = watcher.firstSeenAt !== null && watcher.lastChangeAt !== null ? Math.max(0.001, (watcher.lastChangeAt - watcher.firstSeenAt) / 1000) : NaN;
        const serveRate = Math.round(rows / seconds);
        const rawRate = Math.round(raw.entries / raw.seconds);
        const result: DrainRun = {
          run, entries, fill_s: Math.round(fillS * 10) / 10, fill_rate: Math.round(entries / fillS),
          raw_rate: rawRate, raw_s: Math.round(raw.seconds * 100) / 100,
          serve_rows: rows, serve_s: Math.round(seconds * 100) / 100, serve_rate: serveRate, ratio: ratio(serveRate, rawRate),
        };
        runs.push(result);
        ctx.log(`drain run ${run}: fill ${result.fill_rate}/s, raw ${rawRate}/s, serve ${serveRate} rows/s (${rows} rows in ${result.serve_s} s), ratio ${result.ratio?.toFixed(2)}`);
      } finally {
        watcher.close();
        await server.stop();
      }
    } finally {
      await redis.stop();
      resources.removeDir(serveDir);
      resources.removeDir(redisDir);
    }
  }
  return {
    entries,
    consumers: CONSUMERS,
    consumer_batch: CONSUMER_BATCH,
    summary: {
      serve_rate: spread(runs.map((r) => r.serve_rate)),
      raw_rate: spread(runs.map((r) => r.raw_rate)),
      ratio: spread(runs.map((r) => r.ratio)),
      fill_rate: spread(runs.map((r) => r.fill_rate)),
    },
    runs,
  };
}
