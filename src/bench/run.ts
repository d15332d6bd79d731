/**
 * `npm run bench`: runs the selected sections one after the other on this machine and writes
 * bench/results/latest.{md,json} (dev-latest.* for --quick or --only) plus a timestamped copy.
 * Everything started is stopped and every temporary directory removed at the end, also on
 * Ctrl-C, SIGTERM or a crash.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { BenchUsageError, parseArgs, reportBaseName } from './args.js';
import type { BenchContext } from './context.js';
import { loadavgNow, machineInfo } from './machine.js';
import { renderMarkdown } from './report-md.js';
import { Resources } from './resources.js';
import { runConcurrency } from './section-concurrency.js';
import { runDrain } from './section-drain.js';
import { runIngest } from './section-ingest.js';
import { runRollback } from './section-rollback.js';
import { runRouting } from './section-routing.js';
import { runSustained } from './section-sustained.js';
import { ROOT } from './servers.js';
import { evaluateTargets } from './targets.js';
import { BENCH_SCHEMA, type BenchReport, type SectionName } from './types.js';

function have(command: string): boolean {
  try {
    execFileSync('bash', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

async function main(argv: string[]): Promise<number> {
  let config;
  try {
    config = parseArgs(argv);
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 64;
    }
    throw error;
  }
  for (const tool of ['wrk', 'redis-server']) {
    if (!have(tool)) {
      process.stderr.write(`bench: ${tool} is missing; run \`bash bench/setup.sh\` (installs the Debian packages wrk and redis-server)\n`);
      return 2;
    }
  }
  const resources = new Resources();
  resources.keepDirs = config.keep;
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    abort.abort();
    if (signals > 1) {
      resources.killAllNow();
      process.exit(130);
    }
    process.stderr.write(`\nbench: ${signal}, stopping everything it started (again to kill at once)\n`);
    void resources.cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => resources.killAllNow());

  const started = new Date();
  const notes: string[] = [];
  const ctx: BenchContext = {
    config,
    resources,
    signal: abort.signal,
    log: (message) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
    note: (message) => notes.push(message),
  };
  const report: BenchReport = {
    schema: BENCH_SCHEMA,
    started_at: started.toISOString(),
    finished_at: '',
    mode: config.quick ? 'quick' : 'full',
    sections: config.sections,
    runs: config.runs,
    machine: machineInfo(),
    argv,
    targets: [],
    failures: [],
    notes,
  };
  ctx.log(`machine: ${report.machine.cores} cores, Node ${report.machine.node}, Redis ${report.machine.redis}, wrk ${report.machine.wrk}, load ${report.machine.loadavg_at_start}; sections ${config.sections.join(', ')}`);
  const runners: Record<SectionName, () => Promise<void>> = {
    ingest: async () => {
      const { section, profile } = await runIngest(ctx);
      report.ingest = section;
      if (profile) report.profile = profile;
    },
    concurrency: async () => void (report.concurrency = await runConcurrency(ctx)),
    sustained: async () => {
      report.sustained_databases = await runSustained(ctx);
      const sqlite = report.sustained_databases.find((d) => d.database === 'sqlite')?.section;
      if (sqlite) report.sustained = sqlite;
    },
    drain: async () => void (report.drain = await runDrain(ctx)),
    routing: async () => void (report.routing = await runRouting(ctx)),
    rollback: async () => void (report.rollback = await runRollback(ctx)),
  };
  for (const name of config.sections) {
    if (abort.signal.aborted) break;
    ctx.log(`== ${name} (load average ${loadavgNow()})`);
    const sectionStart = Date.now();
    try {
      await runners[name]();
    } catch (error) {
      if (abort.signal.aborted) break;
      const message = (error as Error).stack ?? String(error);
      ctx.log(`${name} failed: ${message}`);
      report.failures.push({ section: name, error: (error as Error).message ?? String(error) });
      await resources.cleanup();
    }
    ctx.log(`== ${name} took ${Math.round((Date.now() - sectionStart) / 1000)} s`);
  }
  if (abort.signal.aborted) return 130;
  await resources.cleanup();
  report.finished_at = new Date().toISOString();
  report.targets = evaluateTargets(report);
  if (config.sections.length > 0 && report.machine.loadavg_at_start.split(' ').map(Number)[0]! > report.machine.cores * 0.25) {
    notes.push(`the machine was not idle when the run started (load average ${report.machine.loadavg_at_start} on ${report.machine.cores} cores): absolute figures are low, ratios within a run still compare like with like`);
  }

  const outDir = isAbsolute(config.outDir) ? config.outDir : join(ROOT, config.outDir);
  mkdirSync(outDir, { recursive: true });
  const base = reportBaseName(config);
  const json = join(outDir, `${base}.json`);
  const md = join(outDir, `${base}.md`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, renderMarkdown(report));
  const copy = `${stamp(started)}${config.quick ? '-quick' : ''}${base === 'dev-latest' && !config.quick ? '-partial' : ''}`;
  copyFileSync(json, join(outDir, `${copy}.json`));
  copyFileSync(md, join(outDir, `${copy}.md`));
  process.stdout.write(`bench: wrote ${relative(process.cwd(), md)} and ${relative(process.cwd(), json)} (copies ${copy}.*)\n`);
  for (const t of report.targets) process.stdout.write(`  ${t.status.padEnd(12)} ${t.target}: ${t.value === null ? '–' : Math.round(t.value * 100) / 100} ${t.unit}${t.margin ? ` (${t.margin})` : ''}\n`);
  return report.failures.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
