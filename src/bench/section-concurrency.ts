/**
 * Section 2, concurrency: 10,000 keep-alive connections held by wrk for 30 s while the Lua
 * script paces a moderate total rate (5,000/s by default: each connection sends about every 2 s).
 * Both wrk and serve are started with `ulimit -n` raised. "All served" means wrk saw no connect,
 * read, write or timeout error and no non-2xx answer; the server's largest open-fd count shows
 * that the connections were really held at once, and when it first reached the full count says
 * how long the connection storm took to be accepted.
 */
import { checkAborted, type BenchContext } from './context.js';
import { ProcMonitor, serverUsage } from './proc-monitor.js';
import { BENCH_MAX_BACKLOG } from './section-ingest.js';
import { startServe } from './servers.js';
import { spread } from './stats.js';
import { summarizeLoad } from './summaries.js';
import type { ConcurrencyRun, ConcurrencySection } from './types.js';
import { runWrk } from './wrk.js';

export async function runConcurrency(ctx: BenchContext): Promise<ConcurrencySection> {
  const { config, resources } = ctx;
  const runs: ConcurrencyRun[] = [];
  const notes: string[] = [];
  for (let run = 1; run <= config.runs; run++) {
    checkAborted(ctx);
    const dir = resources.tempDir('concurrency');
    const server = await startServe(resources, { dataDir: dir, maxBacklog: BENCH_MAX_BACKLOG });
    try {
      const monitor = new ProcMonitor([server.pid, server.redisPid], 250, true, config.concConnections).start();
      const wrk = await runWrk(resources, {
        url: server.url, connections: config.concConnections, threads: config.wrkThreads,
        durationS: config.concDurationS, rate: config.concRate, timeoutS: 10, devices: 5_000,
      });
      monitor.stop();
      const usage = serverUsage(monitor, server.pid, server.redisPid);
      const connectedAfter = monitor.fdTargetReachedAfter(server.pid);
      runs.push({ run, wrk, usage, connected_after_s: connectedAfter });
      ctx.log(`concurrency c=${config.concConnections} run ${run}: ${wrk.rps} req/s p99 ${wrk.latency_ms.p99} ms errors ${wrk.errors} ${JSON.stringify(wrk.error_detail)} fds ${usage.fds_max} (all ${connectedAfter === null ? 'never' : `after ${connectedAfter} s`}) rss ${usage.rss_max_mb} MB`);
      if (usage.fds_max !== null && usage.fds_max < config.concConnections * 0.98) {
        notes.push(`run ${run}: serve held at most ${usage.fds_max} descriptors at once, fewer than the ${config.concConnections} connections wrk opened: the rest waited in the kernel's SYN/accept queues (serve listens with Node's default backlog, 511) or were cut (wrk read errors ${wrk.error_detail.read ?? 0}, timeouts ${wrk.error_detail.timeout ?? 0})`);
      }
    } finally {
      await server.stop();
      resources.removeDir(dir);
    }
  }
  const summary = { ...summarizeLoad(runs), fds_max: spread(runs.map((r) => r.usage.fds_max)), connected_after_s: spread(runs.map((r) => r.connected_after_s)) };
  const note = notes.length > 0
    ? notes.join('; ')
    : `wrk held ${config.concConnections} connections (serve's open descriptors peaked at ${summary.fds_max.min ?? '?'}-${summary.fds_max.max ?? '?'}), paced at ${config.concRate} requests/s in total`;
  return { connections: config.concConnections, rate: config.concRate, duration_s: config.concDurationS, summary, runs, note };
}
