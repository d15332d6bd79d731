import { within } from '../../shared/within.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderPrometheus, PROMETHEUS_CONTENT_TYPE, type PrometheusMetric } from '../metrics/index.js';
import { sendAdminError, sendJson, sendText } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { RECORD_KINDS, STREAMS } from '../wire-format.js';
import { chaosBody } from '../chaos.js';
import { parseAdminBody } from './admin-body.js';
import { isRedisClientError, plainRedisError } from '../../shared/redis-errors.js';
import { redisDisplay } from '../redis-display.js';

const nowSeconds = () => Date.now() / 1000;

export async function streamMetrics(rt: RuntimeContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await rt.exchange.summary());
}

/**
 * GET /api/stream_metrics/counters: per instance, requests, errors and latency buckets since it
 * started (format `streamctl.counters/v1`), so a cutover judges each interval by differences.
 * A separate endpoint: `/api/stream_metrics` keeps the original's keys exactly (contract suite).
 */
export async function streamCounters(rt: RuntimeContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await rt.exchange.counters());
}

/**
 * A path that cannot write is not healthy, whatever else runs: the batch path's database refusing
 * or away, refused records with nowhere to go, spill files not yet written, consumers failing round
 * after round. Each problem names its error, so the answer says what to fix.
 */
function writeProblems(rt: RuntimeContext): string[] {
  const problems: string[] = [];
  const trouble = rt.queue.writeTrouble;
  if (trouble) problems.push(`batch path cannot write since ${new Date(trouble.sinceMs).toISOString()} (${rt.queue.length} record(s) queued): ${trouble.error}`);
  const held = rt.queue.deadLetterTrouble;
  if (held) problems.push(`batch path holds ${held.records} record(s) the database refused and the dead-letter stream could not take: ${held.error}`);
  const spills = rt.spills?.trouble;
  if (spills) problems.push(`${spills.records} batch-path record(s) in ${spills.files} spill file(s) of an earlier shutdown are not written yet: ${spills.error}`);
  const failing = Object.values(rt.consumers.stats()).filter((s) => s.running && s.consecutive_errors > 0);
  const lastError = failing[0]?.last_error;
  const why = lastError === undefined || lastError === null ? 'unknown error' : isRedisClientError(lastError) ? plainRedisError(lastError, redisDisplay(rt.redis)) : lastError;
  if (failing.length > 0) problems.push(`stream path: ${failing.length} consumer(s) failing: ${why}`);
  return problems;
}

/** Healthy means: Redis answers, the breaker is closed, consumers run (unless halted on purpose), both paths write. */
export function healthReport(rt: RuntimeContext) {
  const redisReady = rt.redis.status === 'ready';
  const problems: string[] = [];
  if (rt.state !== 'ready') problems.push(`service is ${rt.state}`);
  if (!redisReady) problems.push(`redis is ${rt.redis.status}`);
  if (rt.breaker.state !== 'closed') problems.push(`stream path circuit breaker is ${rt.breaker.state}`);
  if (!rt.consumers.halted && rt.consumers.running < rt.consumers.size) problems.push(`${rt.consumers.size - rt.consumers.running} consumer(s) not running`);
  for (const kind of RECORD_KINDS) if (rt.monitors[kind].saturated) problems.push(`${STREAMS[kind].stream} backlog at its cap`);
  problems.push(...writeProblems(rt));
  const override = rt.ratio.localOverride;
  if (override) problems.push(`emergency rollback holds on this instance only: the shared ratio in Redis is not 0 yet (${override.error})`);
  const status = rt.state === 'starting' ? 'not_initialised' : problems.length === 0 ? 'healthy' : 'degraded';
  return {
    healthy: status === 'healthy',
    status,
    service: 'streamctl',
    timestamp: nowSeconds(),
    streams: RECORD_KINDS.map((kind) => STREAMS[kind].stream),
    problems,
    redis: { status: rt.redis.status },
    circuit_breaker: { state: rt.breaker.state, trips: rt.breaker.tripCount },
    consumers: { running: rt.consumers.running, total: rt.consumers.size, halted: rt.consumers.halted },
    // flush_interval_ms: `check consistency` refuses a grace shorter than one flush (checks/consistency/batch-queue.ts).
    traditional_queue: {
      queued: rt.queue.length, dead_lettered: rt.queue.deadLettered, flush_interval_ms: rt.options.flushIntervalMs,
      writing: rt.queue.inWrite, oldest_accepted_at: rt.queue.oldestAcceptedAtMs === undefined ? null : new Date(rt.queue.oldestAcceptedAtMs).toISOString(),
    },
    ...(override ? { local_override: { ratio: override.ratio, since: new Date(override.sinceMs).toISOString(), error: override.error } } : {}),
  };
}

export function streamHealth(rt: RuntimeContext, res: ServerResponse): void {
  const report = healthReport(rt);
  sendJson(res, report.healthy ? 200 : 503, report);
}

/** How long a stats request waits for a fresh XINFO before it answers with the last snapshot. */
const FRESH_STATS_MS = 1_000;

/**
 * GET /api/stream_stats. Stream info is read at request time, as the original's XINFO per call,
 * so an entry just added shows in `stream_info`; a Redis that does not answer within 1 s gets the
 * monitor's last snapshot instead.
 */
export async function streamStats(rt: RuntimeContext, res: ServerResponse): Promise<void> {
  await Promise.all(RECORD_KINDS.map((kind) => within(rt.monitors[kind].check(), FRESH_STATS_MS, () => rt.monitors[kind].snapshot)));
  const consumerStats = rt.consumers.stats();
  const consumed = Object.values(consumerStats).reduce((sum, s) => sum + s.processed_messages, 0);
  const consumerErrors = Object.values(consumerStats).reduce((sum, s) => sum + s.errors, 0);
  const streams: Record<string, unknown> = {};
  for (const kind of RECORD_KINDS) {
    const definition = STREAMS[kind];
    const backlog = rt.monitors[kind].snapshot;
    streams[definition.stream] = {
      stream_info: { name: definition.stream, length: backlog.length, groups: backlog.groups, first_entry_id: backlog.first_entry_id, last_entry_id: backlog.last_entry_id },
      config: { consumer_group: definition.group, max_len: definition.maxLen, ttl: definition.ttlDays * 86_400 },
      backlog: {
        lag: backlog.lag, pending: backlog.pending, oldest_pending_ms: backlog.oldest_pending_ms, dead_letters: backlog.dead_letters,
        trimmed_unconsumed: backlog.trimmed_unconsumed, unconsumed: backlog.unconsumed, trimmed_by_retention: backlog.trimmed_by_retention,
        removed_by_others: backlog.removed_by_others, removed_unverified: backlog.removed_unverified,
        saturated: rt.monitors[kind].saturated,
      },
    };
  }
  sendJson(res, 200, {
    stream_stats: {
      manager_stats: {
        messages_produced: rt.producer.produced,
        messages_consumed: consumed,
        errors: rt.counters.streamErrors + consumerErrors,
        // HTTP-date text, as the original's Flask serialises its datetime.
        last_error_time: rt.counters.lastErrorTime === undefined ? null : new Date(rt.counters.lastErrorTime).toUTCString(),
      },
      streams,
    },
    consumer_stats: consumerStats,
    traditional: { queued: rt.queue.length, persisted: rt.queue.persisted, write_errors: rt.queue.writeErrors, dead_lettered: rt.queue.deadLettered },
    fallbacks: rt.counters.fallbacks,
    backpressured: rt.counters.backpressured,
    ledger_dropped: rt.ledger.dropped,
    timestamp: nowSeconds(),
  });
}

export async function prometheusMetrics(rt: RuntimeContext, res: ServerResponse): Promise<void> {
  const consumerStats = Object.values(rt.consumers.stats());
  const perStream = (pick: (kind: (typeof RECORD_KINDS)[number]) => number, help: string, type: 'counter' | 'gauge'): PrometheusMetric => ({
    help, type, samples: RECORD_KINDS.map((kind) => ({ labels: { stream: STREAMS[kind].stream }, value: pick(kind) })),
  });
  const counters: Record<string, PrometheusMetric> = {
    streamctl_traffic_ratio: { help: 'Share of legacy uploads routed to the stream path', type: 'gauge', samples: [{ value: rt.ratio.current }] },
    streamctl_messages_produced_total: { help: 'Entries added to the streams by this instance', type: 'counter', samples: [{ value: rt.producer.produced }] },
    streamctl_records_persisted_total: {
      help: 'Records written to the database', type: 'counter',
      samples: [
        { labels: { path: 'stream' }, value: consumerStats.reduce((s, c) => s + c.records_persisted, 0) },
        { labels: { path: 'traditional' }, value: rt.queue.persisted },
      ],
    },
    streamctl_fallbacks_total: { help: 'Stream-path uploads taken by the batch path', type: 'counter', samples: [{ value: rt.counters.fallbacks }] },
    streamctl_backpressure_total: { help: 'Uploads refused with 503 because a backlog was at its cap', type: 'counter', samples: [{ value: rt.counters.backpressured }] },
    streamctl_ledger_dropped_total: { help: 'Accepted records left out of the acceptance ledger (Redis away too long)', type: 'counter', samples: [{ value: rt.ledger.dropped }] },
    streamctl_traditional_queue_records: { help: 'Records waiting in the batch queue', type: 'gauge', samples: [{ value: rt.queue.length }] },
    streamctl_stream_length: perStream((k) => rt.monitors[k].snapshot.length, 'Entries in the stream', 'gauge'),
    streamctl_stream_unconsumed: perStream((k) => rt.monitors[k].snapshot.unconsumed, 'Entries not yet persisted by the slowest group', 'gauge'),
    streamctl_stream_pending: perStream((k) => rt.monitors[k].snapshot.pending, 'Entries delivered but not acked', 'gauge'),
    streamctl_dead_letters: perStream((k) => rt.monitors[k].snapshot.dead_letters, 'Entries in the dead-letter stream', 'gauge'),
    streamctl_trimmed_unconsumed_total: perStream((k) => rt.monitors[k].snapshot.trimmed_unconsumed, 'Entries lost to trimming before they were consumed', 'counter'),
    streamctl_removed_unverified_total: perStream((k) => rt.monitors[k].snapshot.removed_unverified, 'Entries another writer removed whose delivery could not be told (may be lost)', 'counter'),
    streamctl_circuit_open: { help: '1 while the stream path circuit breaker is not closed', type: 'gauge', samples: [{ value: rt.breaker.state === 'closed' ? 0 : 1 }] },
  };
  const lifetime = { stream: rt.metrics.lifetime('stream'), traditional: rt.metrics.lifetime('traditional') };
  sendText(res, 200, renderPrometheus({ summary: rt.metrics.summary(), snapshot: rt.metrics.snapshot(), lifetime, counters }), PROMETHEUS_CONTENT_TYPE);
}

export async function setChaos(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, chaosBody);
  if (!parsed.ok) return sendAdminError(res, parsed.status, parsed.error);
  Object.assign(rt.chaos, Object.fromEntries(Object.entries(parsed.value).filter(([, v]) => v !== undefined)));
  rt.logger.warn('chaos settings changed', { ...rt.chaos });
  sendJson(res, 200, { success: true, chaos: rt.chaos });
}

export async function auditEntries(rt: RuntimeContext, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const limit = Math.min(Math.max(Number(query.get('limit') ?? 20) || 20, 1), 1_000);
  try {
    sendJson(res, 200, { entries: await rt.audit.recent(limit) });
  } catch (error) {
    sendAdminError(res, 503, `audit stream unavailable: ${plainRedisError(error, redisDisplay(rt.redis))}`);
  }
}
