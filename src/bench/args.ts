/** `npm run bench -- [flags]`: pure parsing into the run's configuration. */
import { DATABASE_NAMES, SECTION_NAMES, type BenchDatabase, type SectionName } from './types.js';

export interface BenchConfig {
  quick: boolean;
  sections: SectionName[];
  /** Runs per figure (median and spread over them). */
  runs: number;
  /** Ingest: seconds per wrk run, warm-up seconds before each, connection levels, wrk threads. */
  ingestDurationS: number;
  warmupS: number;
  ingestConnections: number[];
  wrkThreads: number;
  /** Concurrency: connections held, total request rate, seconds. */
  concConnections: number;
  concRate: number;
  concDurationS: number;
  /** Sustained: rate steps, seconds per search step, seconds per confirm run, DB poll interval. */
  sustainedRates: number[];
  stepDurationS: number;
  confirmDurationS: number;
  sustainedConnections: number;
  pollMs: number;
  /** Sustained: the databases serve writes into, each searched in turn (canonical order). */
  databases: BenchDatabase[];
  /** Drain: entries written before the consumers start. */
  drainEntries: number;
  /** Routing: seconds per run. */
  routingDurationS: number;
  /** Rollback: runs (cheap, so more than `runs`). */
  rollbackRuns: number;
  /** Write a CPU profile of serve during one ingest run at 100 connections. */
  profile: boolean;
  /** Where latest.md/json go. */
  outDir: string;
  /** Keep temporary data directories (for debugging). */
  keep: boolean;
}

export class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

export const USAGE = `usage: npm run bench -- [--quick] [--only ingest,concurrency,sustained,drain,routing,rollback]
       [--runs N] [--duration S] [--warmup S] [--connections 100,1000] [--threads N]
       [--conc-connections N] [--conc-rate R] [--conc-duration S]
       [--rates 5000,10000,...] [--step-duration S] [--sustained-duration S] [--sustained-connections N] [--poll-ms MS]
       [--databases sqlite,postgres,mariadb]
       [--drain-entries N] [--routing-duration S] [--rollback-runs N] [--no-profile] [--out DIR] [--keep]`;

function positive(flag: string, text: string | undefined, integer = true): number {
  const n = Number(text);
  if (text === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new BenchUsageError(`${flag} needs a positive ${integer ? 'integer' : 'number'}, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return n;
}

function list(flag: string, text: string | undefined): number[] {
  if (!text) throw new BenchUsageError(`${flag} needs a comma-separated list`);
  return text.split(',').map((part) => positive(flag, part.trim()));
}

export function defaultConfig(quick: boolean): BenchConfig {
  return {
    quick,
    sections: [...SECTION_NAMES],
    runs: quick ? 1 : 3,
    ingestDurationS: quick ? 4 : 10,
    warmupS: quick ? 1 : 2,
    ingestConnections: [100, 1000],
    wrkThreads: 2,
    concConnections: 10_000,
    concRate: 5_000,
    concDurationS: quick ? 10 : 30,
    sustainedRates: [5_000, 10_000, 20_000, 30_000, 40_000, 60_000],
    stepDurationS: quick ? 6 : 15,
    confirmDurationS: quick ? 10 : 60,
    sustainedConnections: 1_000,
    pollMs: 50,
    databases: [...DATABASE_NAMES],
    drainEntries: quick ? 200_000 : 1_000_000,
    routingDurationS: quick ? 4 : 10,
    rollbackRuns: quick ? 3 : 5,
    profile: true,
    outDir: 'bench/results',
    keep: false,
  };
}

export function parseArgs(argv: readonly string[]): BenchConfig {
  const config = defaultConfig(argv.includes('--quick'));
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--only': {
        const names = (value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = names.filter((n) => !SECTION_NAMES.includes(n as SectionName));
        if (names.length === 0 || unknown.length > 0) throw new BenchUsageError(`--only takes sections among ${SECTION_NAMES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
        config.sections = SECTION_NAMES.filter((n) => names.includes(n));
        break;
      }
      case '--databases': {
        const names = (value() ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
        const unknown = names.filter((n) => !DATABASE_NAMES.includes(n as BenchDatabase));
        if (names.length === 0 || unknown.length > 0) throw new BenchUsageError(`--databases takes databases among ${DATABASE_NAMES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
        config.databases = DATABASE_NAMES.filter((n) => names.includes(n));
        break;
      }
      case '--runs': config.runs = positive(flag, value()); break;
      case '--duration': config.ingestDurationS = positive(flag, value()); break;
      case '--warmup': config.warmupS = Number(value() ?? 'x'); if (!(config.warmupS >= 0)) throw new BenchUsageError('--warmup needs seconds >= 0'); break;
      case '--connections': config.ingestConnections = list(flag, value()); break;
      case '--threads': config.wrkThreads = positive(flag, value()); break;
      case '--conc-connections': config.concConnections = positive(flag, value()); break;
      case '--conc-rate': config.concRate = positive(flag, value()); break;
      case '--conc-duration': config.concDurationS = positive(flag, value()); break;
      case '--rates': config.sustainedRates = list(flag, value()).sort((a, b) => a - b); break;
      case '--step-duration': config.stepDurationS = positive(flag, value()); break;
      case '--sustained-duration': config.confirmDurationS = positive(flag, value()); break;
      case '--sustained-connections': config.sustainedConnections = positive(flag, value()); break;
      case '--poll-ms': config.pollMs = positive(flag, value()); break;
      case '--drain-entries': config.drainEntries = positive(flag, value()); break;
      case '--routing-duration': config.routingDurationS = positive(flag, value()); break;
      case '--rollback-runs': config.rollbackRuns = positive(flag, value()); break;
      case '--no-profile': config.profile = false; break;
      case '--out': config.outDir = value() ?? ''; if (!config.outDir) throw new BenchUsageError('--out needs a directory'); break;
      case '--keep': config.keep = true; break;
      case '--help': case '-h': throw new BenchUsageError(USAGE);
      default: throw new BenchUsageError(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return config;
}

/** A complete default run replaces latest.*; quick or partial runs (fewer sections or databases) write dev-latest.* instead. */
export function reportBaseName(config: BenchConfig): 'latest' | 'dev-latest' {
  const complete = config.sections.length === SECTION_NAMES.length && config.databases.length === DATABASE_NAMES.length;
  return !config.quick && complete ? 'latest' : 'dev-latest';
}
