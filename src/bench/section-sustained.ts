/**
 * Section 3, sustained end-to-end into each database asked (--databases: SQLite, PostgreSQL,
 * MariaDB, in turn, one search each): wrk paced at a fixed rate (Lua delay() slots; wrk
 * costs a fraction of a core where the Node load client needs more than one at 20,000/s on two
 * cores) while serve's consumers persist. Backlog (stream_stats ... backlog.unconsumed, which serve
 * refreshes every second) is sampled every second; the row watcher gives accept -> row latency.
 * Search: ascending rate steps of `step-duration` until one is not flat (halving the first if it
 * already fails), then two bisections between the last flat rate and the first that was not. Confirm: `runs` runs of
 * `sustained-duration` at the highest flat rate. A database whose server is not installed or
 * does not start is reported as not measured, with the reason; the others still run.
 */
import { healthBacklog, sleep } from './admin.js';
import { checkAborted, type BenchContext } from './context.js';
import { bisect, highestPassingRate, judgeFlat, judgeStep, type BacklogSample } from './flatness.js';
import { ProcMonitor, serverUsage } from './proc-monitor.js';
import { ProcessTreeCpu } from './process-tree-cpu.js';
import { BENCH_MAX_BACKLOG } from './section-ingest.js';
import { startServe } from './servers.js';
import { spread } from './stats.js';
import { MissingBinariesError } from './db-server.js';
import { startSustainedTarget, type SustainedTarget } from './sustained-targets.js';
import { DATABASE_LABELS, type SustainedDatabase, type SustainedRun, type SustainedSection } from './types.js';
import { runWrk } from './wrk.js';

const SAMPLE_MS = 1_000;
/** After the load, rows still arriving are waited for this long at most (so the tail is counted). */
const TAIL_MS = 10_000;

const REFINE_STEPS = 2;
const CONFIRM_STEP_DOWNS = 2;

const round = (v: number | null, digits = 1) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

async function stepRun(ctx: BenchContext, target: SustainedTarget, rate: number, durationS: number, phase: 'search' | 'confirm'): Promise<SustainedRun> {
  const { config, resources } = ctx;
  const dir = resources.tempDir('sustained');
  let database;
  let server;
  try {
    database = await target.prepareRun(dir, config.pollMs);
    server = await startServe(resources, { dataDir: dir, maxBacklog: BENCH_MAX_BACKLOG, extraArgs: database.serveArgs });
  } catch (error) {
    await database?.release();
    resources.removeDir(dir);
    throw error;
  }
  const { watcher } = database;
  try {
    const samples: BacklogSample[] = [];
    const startedAt = Date.now();
    watcher.acceptedFromMs = startedAt;
    watcher.start();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const at = Date.now();
        try {
          const backlog = await healthBacklog(server.url);
          if (backlog.unconsumed !== null) samples.push({ tMs: at - startedAt, unconsumed: backlog.unconsumed });
        } catch {
          // A slow answer under load is skipped, not fatal.
        }
        await sleep(Math.max(0, SAMPLE_MS - (Date.now() - at)));
      }
    })();
    const monitor = new ProcMonitor([server.pid, server.redisPid]).start();
    const dbCpu = target.serverPid ? new ProcessTreeCpu(target.serverPid).start() : undefined;
    const wrk = await runWrk(resources, {
      url: server.url, connections: config.sustainedConnections, threads: config.wrkThreads, durationS, rate, timeoutS: 10, devices: 10_000,
    });
    monitor.stop();
    dbCpu?.stop();
    sampling = false;
    await sampler;
    const accepted = wrk.requests - wrk.non2xx;
    const tailDeadline = Date.now() + TAIL_MS;
    while (watcher.rows < accepted && Date.now() < tailDeadline) await sleep(config.pollMs);
    await watcher.stop();
    const achievedRate = accepted / Math.max(0.001, wrk.duration_s);
    const flat = judgeFlat(samples, achievedRate);
    const errorRate = wrk.requests === 0 ? 1 : wrk.errors / wrk.requests;
    const step = judgeStep({ targetRate: rate, achievedRate, errorRate, flat });
    const result: SustainedRun = {
      phase, target_rate: rate, duration_s: durationS, achieved_rate: Math.round(achievedRate), error_rate: errorRate,
      end_backlog: flat.endBacklog, growth_per_s: Math.round(flat.growthPerS), flat: flat.flat, ok: step.ok, reason: step.reason,
      e2e_p50_ms: round(watcher.latency.quantileMs(0.5)), e2e_p99_ms: round(watcher.latency.quantileMs(0.99)), e2e_max_ms: round(watcher.latency.maxMs),
      e2e_rows: watcher.latency.count, http_p99_ms: wrk.latency_ms.p99,
      backlog: samples.map((s) => [Math.round(s.tMs / 100) / 10, s.unconsumed]),
      usage: serverUsage(monitor, server.pid, server.redisPid),
      db_cpu_pct: dbCpu?.cpuPct() ?? null,
    };
    ctx.log(`sustained ${target.database} ${phase} ${rate}/s: achieved ${result.achieved_rate}/s, backlog end ${result.end_backlog}, growth ${result.growth_per_s}/s, e2e p50 ${result.e2e_p50_ms} p99 ${result.e2e_p99_ms} ms -> ${step.ok ? 'flat' : step.reason}`);
    return result;
  } finally {
    await watcher.stop();
    await server.stop();
    await database.release();
    resources.removeDir(dir);
  }
}

/** One database's search and confirmation. */
async function searchDatabase(ctx: BenchContext, target: SustainedTarget): Promise<SustainedSection> {
  const { config } = ctx;
  const label = DATABASE_LABELS[target.database];
  const runs: SustainedRun[] = [];
  let failedAt: number | undefined;
  for (const rate of config.sustainedRates) {
    checkAborted(ctx);
    const run = await stepRun(ctx, target, rate, config.stepDurationS, 'search');
    runs.push(run);
    if (!run.ok) {
      failedAt = rate;
      break;
    }
  }
  let passed = highestPassingRate(runs.map((r) => ({ targetRate: r.target_rate, ok: r.ok })));
  // Not even the first step: halve it (twice at most) so the latency figures describe something.
  for (let i = 0; i < REFINE_STEPS && passed === null && failedAt !== undefined && failedAt >= 1_000; i++) {
    checkAborted(ctx);
    const lower = Math.round(failedAt / 2);
    const run = await stepRun(ctx, target, lower, config.stepDurationS, 'search');
    runs.push(run);
    if (run.ok) passed = lower;
    else failedAt = lower;
  }
  // Two bisections between the last flat step and the first that was not sharpen the figure.
  for (let i = 0; i < REFINE_STEPS && passed !== null && failedAt !== undefined; i++) {
    const mid = bisect(passed, failedAt);
    if (mid === undefined) break;
    checkAborted(ctx);
    const run = await stepRun(ctx, target, mid, config.stepDurationS, 'search');
    runs.push(run);
    if (run.ok) passed = mid;
    else failedAt = mid;
  }
  let highest = passed;
  let confirm: SustainedRun[] = [];
  let confirmed = false;
  // A rate flat for a short step may not hold for a long one: step down 15% (twice at most) and
  // confirm again, so the figure is the highest rate that held, not zero.
  for (let attempt = 0; highest !== null && attempt <= CONFIRM_STEP_DOWNS; attempt++) {
    confirm = [];
    for (let i = 0; i < config.runs; i++) {
      checkAborted(ctx);
      confirm.push(await stepRun(ctx, target, highest, config.confirmDurationS, 'confirm'));
    }
    runs.push(...confirm);
    confirmed = confirm.filter((r) => r.ok).length * 2 > confirm.length;
    if (confirmed) break;
    ctx.note(`sustained into ${label}: ${highest}/s was flat in a ${config.stepDurationS} s step but not in most ${config.confirmDurationS} s confirm runs`);
    if (attempt < CONFIRM_STEP_DOWNS) highest = Math.max(100, Math.round((highest * 0.85) / 100) * 100);
  }
  if (highest === null) ctx.note(`sustained into ${label}: not even the lowest step (${config.sustainedRates[0]}/s) kept the backlog flat`);
  return {
    rates: config.sustainedRates,
    step_duration_s: config.stepDurationS,
    confirm_duration_s: config.confirmDurationS,
    poll_ms: config.pollMs,
    highest_flat_rate: highest,
    confirmed,
    summary: {
      achieved_rate: spread(confirm.map((r) => r.achieved_rate)),
      e2e_p50_ms: spread(confirm.map((r) => r.e2e_p50_ms)),
      e2e_p99_ms: spread(confirm.map((r) => r.e2e_p99_ms)),
      end_backlog: spread(confirm.map((r) => r.end_backlog)),
    },
    runs,
    method:
      `Load: wrk with ${config.sustainedConnections} keep-alive connections, paced to the step's rate by the Lua delay() hook (per-thread send slots on CLOCK_MONOTONIC). ` +
      `Flat: the backlog (stream_stats health_data_stream backlog.unconsumed, sampled every ${SAMPLE_MS} ms) ends below one second of ingest and grows by less than 2% of the ingest rate over the second half of the run; the step also needs >= 95% of the rate answered 2xx and < 0.1% errors. ` +
      `End-to-end latency: every ${config.pollMs} ms the harness selects the rows added since the last poll (SQLite: the file opened read-only; PostgreSQL and MariaDB: one SELECT by id over its own connection, ids a batch not yet committed skipped asked again for up to 5 s); a row's latency is the time of the poll that first saw it minus its create_time (the acceptance time serve stamps). ` +
      `So each figure over-states the true accept->commit time by 0-${config.pollMs} ms (half of that on average) plus < 1 ms of create_time rounding; both clocks are this machine's.`,
  };
}

/**
 * The sustained section into each database of --databases in turn. Each server is started before
 * its search and stopped after it, so only one database runs at a time. Never throws for one
 * database: its entry says why it was not measured.
 */
export async function runSustained(ctx: BenchContext): Promise<SustainedDatabase[]> {
  const results: SustainedDatabase[] = [];
  for (const database of ctx.config.databases) {
    checkAborted(ctx);
    const label = DATABASE_LABELS[database];
    let target: SustainedTarget | undefined;
    try {
      target = await startSustainedTarget(database, ctx.resources);
      ctx.log(`sustained into ${label}: ${target.version} (${target.settings})`);
      const section = await searchDatabase(ctx, target);
      results.push({ database, version: target.version, settings: target.settings, not_measured: null, section });
    } catch (error) {
      checkAborted(ctx);
      const reason = error instanceof MissingBinariesError ? error.message : `failed: ${(error as Error).message.split('\n')[0]}`;
      ctx.log(`sustained into ${label}: not measured, ${reason}`);
      ctx.note(`sustained into ${label}: not measured, ${reason}`);
      results.push({ database, version: target?.version ?? null, settings: target?.settings ?? null, not_measured: reason, section: null });
    } finally {
      await target?.stop().catch(() => undefined);
    }
  }
  return results;
}
