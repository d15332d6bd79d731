import { KINDS, PATHS, type Kind, type Path } from '../layout.js';
import { VERDICT_EXIT, verdictOf, type CheckResult, type CheckStatus, type Verdict } from './check-result.js';
import { judgeCounts } from './judge-counts.js';
import { judgeStreams } from './judge-streams.js';
import type { Observations } from './observations.js';
import { judgeEviction } from './vanished.js';
import { isoOf, type SettledWindow } from './window.js';

export const CONSISTENCY_SCHEMA = 'streamctl.consistency/v1';

/** The `--json` document and the body of GET /api/consistency: one shape for cron and for humans. */
export interface ConsistencyDocument {
  schema: typeof CONSISTENCY_SCHEMA;
  generated_at: string;
  clock: Observations['clock'] | null;
  /** RFC 3339 UTC; null only when the check could not even read the clock. */
  window: { start: string; end: string; at: string; grace_ms: number; length_ms: number } | null;
  strict: boolean;
  sources: { database?: string; redis?: string; target?: string };
  paths: Record<Path, Record<Kind, { accepted: number; persisted: number }>> | null;
  streams: Record<string, { length: number | null; lag: number | null; pending: number; oldest_pending_idle_ms: number | null; dead_letters: number | null; trimmed: number | null }> | null;
  /**
   * serve's batch queue when it was read (batch-queue.ts): its records count as in flight on the
   * batch path. null: no serve was asked; absent in documents of older versions.
   */
  batch_queue?: { queued: number; flush_interval_ms: number | null } | null;
  checks: CheckResult[];
  summary: Record<CheckStatus, number>;
  verdict: Verdict;
  exit_code: number;
  /** Only when verdict is could_not_check. */
  error?: { message: string; hint?: string };
}

export interface DocumentContext {
  strict: boolean;
  sources: ConsistencyDocument['sources'];
  nowMs: number;
}

function windowJson(window: SettledWindow): NonNullable<ConsistencyDocument['window']> {
  return { start: isoOf(window.startMs), end: isoOf(window.endMs), at: isoOf(window.atMs), grace_ms: window.graceMs, length_ms: window.endMs - window.startMs };
}

function summarize(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, inconclusive: 0 };
  for (const check of checks) summary[check.status]++;
  return summary;
}

/** Key order for readers of the JSON: what and where, then the verdict, then the numbers. */
function ordered(c: CheckResult): CheckResult {
  return {
    id: c.id,
    ...(c.path ? { path: c.path } : {}),
    ...(c.kind ? { kind: c.kind } : {}),
    ...(c.stream ? { stream: c.stream } : {}),
    status: c.status,
    message: c.message,
    observed: c.observed,
    threshold: c.threshold,
    ...(c.samples ? { samples: c.samples } : {}),
  };
}

export function judge(obs: Observations): CheckResult[] {
  return [...judgeCounts(obs), ...judgeStreams(obs), judgeEviction(obs)].map(ordered);
}

export function buildDocument(obs: Observations, context: DocumentContext): ConsistencyDocument {
  const checks = judge(obs);
  const verdict = verdictOf(checks, context.strict);
  const paths = Object.fromEntries(
    PATHS.map((path) => [path, Object.fromEntries(KINDS.map((kind) => [kind, { accepted: obs.counts[path][kind].accepted, persisted: obs.counts[path][kind].persisted }]))]),
  ) as ConsistencyDocument['paths'];
  const streams = Object.fromEntries(
    KINDS.map((kind) => {
      const s = obs.streams[kind];
      return [s.stream, { length: s.length, lag: s.groupInfo?.lag ?? null, pending: s.pendingCount, oldest_pending_idle_ms: s.oldestPendingIdleMs, dead_letters: s.deadLetterLength, trimmed: s.trimmed }];
    }),
  );
  return {
    schema: CONSISTENCY_SCHEMA,
    generated_at: isoOf(context.nowMs),
    clock: obs.clock,
    window: windowJson(obs.window),
    strict: context.strict,
    sources: context.sources,
    paths,
    streams,
    batch_queue: obs.batchQueue ? { queued: obs.batchQueue.queued, flush_interval_ms: obs.batchQueue.flushIntervalMs } : null,
    checks,
    summary: summarize(checks),
    verdict,
    exit_code: VERDICT_EXIT[verdict],
  };
}

/** Redis or the database could not be read: exit 2, and never a partial "consistent". */
export function couldNotCheckDocument(error: { message: string; hint?: string }, context: DocumentContext, window?: SettledWindow): ConsistencyDocument {
  return {
    schema: CONSISTENCY_SCHEMA,
    generated_at: isoOf(context.nowMs),
    clock: null,
    window: window ? windowJson(window) : null,
    strict: context.strict,
    sources: context.sources,
    paths: null,
    streams: null,
    checks: [],
    summary: { ok: 0, warn: 0, fail: 0, inconclusive: 0 },
    verdict: 'could_not_check',
    exit_code: VERDICT_EXIT.could_not_check,
    error: error.hint ? { message: error.message, hint: error.hint } : { message: error.message },
  };
}
