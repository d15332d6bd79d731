/**
 * Section 5, routing: wrk on the legacy `/upload_health_data` at ratio 0.5, so each request is
 * routed at random to the batch path or the stream path, both under load together. The stream
 * share comes from serve's messages_produced counter over the run.
 */
import { healthBacklog } from './admin.js';
import { checkAborted, type BenchContext } from './context.js';
import { ProcMonitor, serverUsage } from './proc-monitor.js';
import { BENCH_MAX_BACKLOG } from './section-ingest.js';
import { startServe } from './servers.js';
import { ratio, spread } from './stats.js';
import { summarizeLoad } from './summaries.js';
import type { RoutingRun, RoutingSection } from './types.js';
import { runWrk } from './wrk.js';

const RATIO = 0.5;
const CONNECTIONS = 100;

export async function runRouting(ctx: BenchContext): Promise<RoutingSection> {
  const { config, resources } = ctx;
  const runs: RoutingRun[] = [];
  for (let run = 1; run <= config.runs; run++) {
    checkAborted(ctx);
    const dir = resources.tempDir('routing');
    const server = await startServe(resources, { dataDir: dir, ratio: RATIO, maxBacklog: BENCH_MAX_BACKLOG });
    try {
      const options = { url: server.url, path: '/upload_health_data', connections: CONNECTIONS, threads: config.wrkThreads, timeoutS: 10 };
      if (config.warmupS > 0) await runWrk(resources, { ...options, durationS: config.warmupS });
      const before = await healthBacklog(server.url);
      const monitor = new ProcMonitor([server.pid, server.redisPid]).start();
      const wrk = await runWrk(resources, { ...options, durationS: config.routingDurationS });
      monitor.stop();
      const after = await healthBacklog(server.url);
      const streamShare = ratio(after.produced - before.produced, wrk.requests - wrk.non2xx);
      runs.push({ run, wrk, stream_share: streamShare === null ? null : Math.round(streamShare * 1000) / 1000, usage: serverUsage(monitor, server.pid, server.redisPid) });
      ctx.log(`routing run ${run}: ${wrk.rps} req/s p99 ${wrk.latency_ms.p99} ms errors ${wrk.errors}, stream share ${streamShare?.toFixed(3)}`);
    } finally {
      await server.stop();
      resources.removeDir(dir);
    }
  }
  return {
    ratio: RATIO,
    connections: CONNECTIONS,
    duration_s: config.routingDurationS,
    summary: { ...summarizeLoad(runs), stream_share: spread(runs.map((r) => r.stream_share)) },
    runs,
  };
}
