/** The shape of bench/results/*.json (schema streamctl.bench/v1). */
import type { Spread } from './stats.js';

export const BENCH_SCHEMA = 'streamctl.bench/v1';

export type SectionName = 'ingest' | 'concurrency' | 'sustained' | 'drain' | 'routing' | 'rollback';
export const SECTION_NAMES: readonly SectionName[] = ['ingest', 'concurrency', 'sustained', 'drain', 'routing', 'rollback'];

/** The databases the sustained section measures serve into, in run order. */
export type BenchDatabase = 'sqlite' | 'postgres' | 'mariadb';
export const DATABASE_NAMES: readonly BenchDatabase[] = ['sqlite', 'postgres', 'mariadb'];
export const DATABASE_LABELS: Record<BenchDatabase, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mariadb: 'MariaDB' };

export type Comparison = '>=' | '<' | '<=';
export type Status = 'PASS' | 'MISS' | 'NOT MEASURED';

/** One target of issue 6, judged (src/bench/targets.ts). */
export interface TargetVerdict {
  id: string;
  section: SectionName;
  target: string;
  value: number | null;
  unit: string;
  op: Comparison;
  threshold: number;
  status: Status;
  /** "22% short", "60% under", "5 over": how far from the line. */
  margin: string;
}

export interface MachineInfo {
  cores: number;
  cpu_model: string;
  memory_gb: number;
  kernel: string;
  node: string;
  redis: string;
  wrk: string;
  date: string;
  /** /proc/loadavg when the run started: above ~0.5 the machine was not idle. */
  loadavg_at_start: string;
  nofile_hard: number;
}

export interface LatencyMs {
  mean: number;
  p50: number;
  p75: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface WrkResult {
  requests: number;
  duration_s: number;
  rps: number;
  /** Non-2xx/3xx answers (wrk counts status >= 400). */
  non2xx: number;
  /** connect + read + write + timeout. */
  socket_errors: number;
  errors: number;
  error_detail: Record<string, number>;
  latency_ms: LatencyMs;
}

export interface Usage {
  rss_max_mb: number | null;
  /** CPU of the server process over the run, in % of one core. */
  cpu_pct: number | null;
  /** The embedded (or harness) redis-server, when there is one. */
  redis_cpu_pct: number | null;
  redis_rss_max_mb: number | null;
  /** Largest number of open file descriptors seen in the server (sockets held). */
  fds_max: number | null;
}

export interface LoadSummary {
  rps: Spread;
  p50_ms: Spread;
  p95_ms: Spread;
  p99_ms: Spread;
  max_ms: Spread;
  errors: Spread;
  rss_max_mb: Spread;
  cpu_pct: Spread;
  redis_cpu_pct: Spread;
}

export interface IngestRun {
  target: 'bare' | 'serve';
  connections: number;
  run: number;
  wrk: WrkResult;
  usage: Usage;
  /** serve only: entries the consumers persisted during the run (they compete for the CPU). */
  consumed_during_run?: number | null;
}

export interface IngestLevel {
  connections: number;
  bare: LoadSummary;
  serve: LoadSummary;
  /** serve / bare requests per second, paired run by run. */
  ratio: Spread;
}

export interface IngestSection {
  duration_s: number;
  threads: number;
  levels: IngestLevel[];
  runs: IngestRun[];
}

export interface ConcurrencyRun {
  run: number;
  wrk: WrkResult;
  usage: Usage;
  /** Seconds from wrk's start until serve held all the connections (open fds >= connections); null: never. */
  connected_after_s: number | null;
}

export interface ConcurrencySection {
  connections: number;
  rate: number;
  duration_s: number;
  summary: LoadSummary & { fds_max: Spread; connected_after_s: Spread };
  runs: ConcurrencyRun[];
  note: string;
}

export interface SustainedRun {
  phase: 'search' | 'confirm';
  target_rate: number;
  duration_s: number;
  achieved_rate: number;
  error_rate: number;
  end_backlog: number | null;
  growth_per_s: number;
  flat: boolean;
  ok: boolean;
  reason: string;
  /** Accept -> row latency (row's create_time to the poll that first saw it). */
  e2e_p50_ms: number | null;
  e2e_p99_ms: number | null;
  e2e_max_ms: number | null;
  e2e_rows: number;
  http_p99_ms: number | null;
  backlog: Array<[number, number]>;
  usage: Usage;
  /** CPU of the database server and its backends over the load (the harness's row watcher's one included: 20 selects/s), % of one core; null for SQLite (it runs inside serve). */
  db_cpu_pct: number | null;
}

export interface SustainedSection {
  rates: number[];
  step_duration_s: number;
  confirm_duration_s: number;
  poll_ms: number;
  highest_flat_rate: number | null;
  confirmed: boolean;
  summary: { achieved_rate: Spread; e2e_p50_ms: Spread; e2e_p99_ms: Spread; end_backlog: Spread };
  runs: SustainedRun[];
  method: string;
}

/** The sustained section for one database; the SQLite one is also the report's `sustained` (issue 6's targets). */
export interface SustainedDatabase {
  database: BenchDatabase;
  /** "SQLite 3.50.4", "PostgreSQL 15.14", "MariaDB 10.11.14"; null when the server did not start. */
  version: string | null;
  /** The server's durability settings as run ("synchronous=NORMAL, WAL"). */
  settings: string | null;
  /** Why there is no figure (binaries missing, start-up failed, the search failed); null when measured. */
  not_measured: string | null;
  section: SustainedSection | null;
}

export interface DrainRun {
  run: number;
  entries: number;
  fill_s: number;
  fill_rate: number;
  raw_rate: number;
  raw_s: number;
  serve_rows: number;
  serve_s: number;
  serve_rate: number;
  ratio: number | null;
}

export interface DrainSection {
  entries: number;
  consumers: number;
  consumer_batch: number;
  summary: { serve_rate: Spread; raw_rate: Spread; ratio: Spread; fill_rate: Spread };
  runs: DrainRun[];
}

export interface RoutingRun {
  run: number;
  wrk: WrkResult;
  stream_share: number | null;
  usage: Usage;
}

export interface RoutingSection {
  ratio: number;
  connections: number;
  duration_s: number;
  summary: LoadSummary & { stream_share: Spread };
  runs: RoutingRun[];
}

export interface RollbackRun {
  run: number;
  /** From sending the rollback call until both instances read 0. */
  both_zero_ms: number;
  /** The instance that did not receive the call. */
  other_zero_ms: number;
  call_ms: number;
}

export interface RollbackSection {
  poll_ms: number;
  summary: { both_zero_ms: Spread; other_zero_ms: Spread; call_ms: Spread };
  runs: RollbackRun[];
}

export interface ProfileEntry {
  function: string;
  location: string;
  self_ms: number;
  self_pct: number;
}

export interface ProfileSection {
  during: string;
  total_ms: number;
  top: ProfileEntry[];
}

export interface BenchReport {
  schema: typeof BENCH_SCHEMA;
  started_at: string;
  finished_at: string;
  mode: 'full' | 'quick';
  sections: SectionName[];
  runs: number;
  machine: MachineInfo;
  argv: string[];
  ingest?: IngestSection;
  concurrency?: ConcurrencySection;
  /** Sustained into SQLite (the issue-6 target); the same object as sustained_databases' SQLite entry's section. */
  sustained?: SustainedSection;
  /** Sustained into each database asked (--databases), side by side. */
  sustained_databases?: SustainedDatabase[];
  drain?: DrainSection;
  routing?: RoutingSection;
  rollback?: RollbackSection;
  profile?: ProfileSection;
  targets: TargetVerdict[];
  /** Sections that failed to run, with the error. */
  failures: Array<{ section: SectionName; error: string }>;
  notes: string[];
}
