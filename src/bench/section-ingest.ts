/**
 * Section 1, ingest: wrk at 100 and 1,000 keep-alive connections against the bare node:http
 * yardstick and against `streamctl serve` (embedded Redis, consumers on as deployed), run after
 * run alternating the two, so each serve run has a bare run next to it on the same machine state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { healthBacklog } from './admin.js';
import { checkAborted, type BenchContext } from './context.js';
import { topSelfTime, type CpuProfile } from './cpu-profile.js';
import { ProcMonitor, serverUsage } from './proc-monitor.js';
import { startBare, startServe, type ServerHandle } from './servers.js';
import { pairedRatio } from './stats.js';
import { summarizeLoad } from './summaries.js';
import type { IngestRun, IngestSection, ProfileSection } from './types.js';
import { runWrk } from './wrk.js';

/** serve's 503 guard would fire within a second at full speed; the bench measures ingest, so it is raised. */
export const BENCH_MAX_BACKLOG = 50_000_000;

async function startTarget(ctx: BenchContext, target: 'bare' | 'serve', dir: string, nodeArgs: string[] = []): Promise<ServerHandle> {
  return target === 'bare' ? startBare(ctx.resources, dir) : startServe(ctx.resources, { dataDir: dir, maxBacklog: BENCH_MAX_BACKLOG, nodeArgs });
}

async function oneRun(ctx: BenchContext, target: 'bare' | 'serve', connections: number, run: number): Promise<IngestRun> {
  const { config, resources } = ctx;
  const dir = resources.tempDir(`ingest-${target}`);
  const server = await startTarget(ctx, target, dir);
  try {
    const wrkOptions = { url: server.url, connections, threads: config.wrkThreads, timeoutS: 10 };
    if (config.warmupS > 0) await runWrk(resources, { ...wrkOptions, durationS: config.warmupS });
    const before = target === 'serve' ? await healthBacklog(server.url) : undefined;
    const monitor = new ProcMonitor([server.pid, server.redisPid]).start();
    const wrk = await runWrk(resources, { ...wrkOptions, durationS: config.ingestDurationS });
    monitor.stop();
    const after = target === 'serve' ? await healthBacklog(server.url) : undefined;
    const result: IngestRun = { target, connections, run, wrk, usage: serverUsage(monitor, server.pid, server.redisPid) };
    if (before && after) result.consumed_during_run = after.consumed - before.consumed;
    ctx.log(`ingest ${target} c=${connections} run ${run}: ${wrk.rps} req/s p99 ${wrk.latency_ms.p99} ms errors ${wrk.errors} cpu ${result.usage.cpu_pct}%${result.usage.redis_cpu_pct !== null ? ` redis ${result.usage.redis_cpu_pct}%` : ''}`);
    return result;
  } finally {
    await server.stop();
    resources.removeDir(dir);
  }
}

/** One extra serve run at 100 connections under `node --cpu-prof`, not counted in the figures. */
async function profileRun(ctx: BenchContext): Promise<ProfileSection | undefined> {
  const { config, resources } = ctx;
  const dir = resources.tempDir('ingest-profile');
  const profileDir = join(dir, 'cpu-profile');
  const server = await startTarget(ctx, 'serve', dir, ['--cpu-prof', '--cpu-prof-dir', profileDir]);
  try {
    await runWrk(resources, { url: server.url, connections: 100, threads: config.wrkThreads, durationS: config.ingestDurationS });
  } finally {
    await server.stop();
  }
  try {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) {
      ctx.note('the CPU profile of serve was not written (serve did not exit normally)');
      return undefined;
    }
    const profile = topSelfTime(JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile, 20);
    profile.during = `one extra serve run (not counted) at 100 connections for ${config.ingestDurationS} s, whole process lifetime (start-up and shutdown included), node --cpu-prof`;
    return profile;
  } finally {
    resources.removeDir(dir);
  }
}

export async function runIngest(ctx: BenchContext): Promise<{ section: IngestSection; profile?: ProfileSection }> {
  const { config } = ctx;
  const runs: IngestRun[] = [];
  for (let run = 1; run <= config.runs; run++) {
    for (const connections of config.ingestConnections) {
      for (const target of ['bare', 'serve'] as const) {
        checkAborted(ctx);
        runs.push(await oneRun(ctx, target, connections, run));
      }
    }
  }
  const levels = config.ingestConnections.map((connections) => {
    const bare = runs.filter((r) => r.target === 'bare' && r.connections === connections);
    const serve = runs.filter((r) => r.target === 'serve' && r.connections === connections);
    return {
      connections,
      bare: summarizeLoad(bare),
      serve: summarizeLoad(serve),
      ratio: pairedRatio(serve.map((r) => r.wrk.rps), bare.map((r) => r.wrk.rps)),
    };
  });
  const section: IngestSection = { duration_s: config.ingestDurationS, threads: config.wrkThreads, levels, runs };
  if (!config.profile) return { section };
  checkAborted(ctx);
  const profile = await profileRun(ctx);
  return profile ? { section, profile } : { section };
}
