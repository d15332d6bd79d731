import { z } from 'zod';
import type { AuditEntry, StreamStats } from '../ports/admin-info.js';
import type { MetricsSnapshot, PathMetrics } from '../ports/metrics-source.js';
import type { HealthReport, RollbackReply } from '../ports/traffic-control.js';
import { AdminApiError } from './admin-api-errors.js';
import { nullNotNumbers } from './not-numbers.js';

// Loose schemas: extra fields are fine (the two services differ), missing essentials are not.
const num = z.number().finite();
const optNum = num.nullable().optional();

const healthSchema = z.looseObject({ healthy: z.boolean(), status: z.string().optional(), streams: z.array(z.string()).optional(), service: z.string().optional(), problems: z.array(z.string()).optional() });
const ratioSchema = z.looseObject({ current_ratio: num });
const setRatioSchema = z.looseObject({ success: z.boolean().optional(), old_ratio: optNum, new_ratio: num, message: z.string().optional() });
const pathSchema = z.looseObject({
  requests: optNum, qps: optNum, avg_response_time: optNum, p95_response_time: optNum,
  p99_response_time: optNum, error_rate: optNum, errors: optNum,
});
const emptyPath = { requests: 0 };
const metricsSchema = z.looseObject({
  summary: z.looseObject({ stream: pathSchema.optional(), traditional: pathSchema.optional() }),
  duration_seconds: optNum, window_seconds: optNum, timestamp: optNum,
});
const rollbackSchema = z.looseObject({
  success: z.boolean(), rollback_time: z.string().optional(), traffic_ratio: optNum,
  consumers_stopped: z.boolean().optional(), draining: z.boolean().optional(), message: z.string().optional(), error: z.string().optional(),
  local_override: z.boolean().optional(),
});
const backlogSchema = z.looseObject({ lag: optNum, pending: optNum, oldest_pending_ms: optNum, dead_letters: optNum, trimmed_unconsumed: optNum });
const statsSchema = z.looseObject({
  stream_stats: z.looseObject({
    manager_stats: z.looseObject({ messages_produced: optNum, messages_consumed: optNum, errors: optNum }).optional(),
    streams: z.record(z.string(), z.looseObject({
      stream_info: z.looseObject({ name: z.string().optional(), length: optNum, groups: optNum }).nullable().optional(),
      config: z.looseObject({ consumer_group: z.string().optional() }).optional(),
      backlog: backlogSchema.optional(),
    })).optional(),
  }),
});
const auditSchema = z.looseObject({
  entries: z.array(z.looseObject({
    time: z.string(), action: z.string(), old: optNum, new: optNum,
    reason: z.string().nullable().optional(), who: z.string().nullable().optional(), from: z.string().nullable().optional(),
  })),
});

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string, status: number): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdminApiError(`${what}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message})`, status, body, 'is --target an admin API of the ingest service?');
  }
  return result.data;
}

export function parseHealth(body: unknown, status: number): HealthReport {
  const h = parse(healthSchema, body, 'GET /api/stream_health', status);
  return {
    healthy: h.healthy,
    // The original has no `status`: `healthy` is the source of truth.
    status: h.status ?? (h.healthy ? 'healthy' : 'unhealthy'),
    streams: h.streams ?? [],
    ...(h.service ? { service: h.service } : {}),
    ...(h.problems && h.problems.length > 0 ? { problems: h.problems } : {}),
  };
}

export const parseRatio = (body: unknown, status: number) => parse(ratioSchema, body, 'GET /api/stream_traffic_ratio', status).current_ratio;

export function parseSetRatio(body: unknown, status: number) {
  const r = parse(setRatioSchema, body, 'POST /api/stream_traffic_ratio', status);
  return { oldRatio: r.old_ratio ?? null, newRatio: r.new_ratio, ...(r.message ? { message: r.message } : {}) };
}

function path(p: z.infer<typeof pathSchema> | typeof emptyPath | undefined, bad: ReadonlySet<string>): PathMetrics {
  const v = (p ?? emptyPath) as z.infer<typeof pathSchema>;
  // A figure the service sent as NaN/Infinity is null (unknown), never a default of 0.
  const figure = (key: string, value: number | null | undefined, absent: number | null) => (bad.has(key) ? null : (value ?? absent));
  return {
    requests: figure('requests', v.requests, 0), qps: v.qps ?? 0, avgMs: figure('avg_response_time', v.avg_response_time, 0),
    p95Ms: figure('p95_response_time', v.p95_response_time, 0), p99Ms: figure('p99_response_time', v.p99_response_time, null),
    errorRate: figure('error_rate', v.error_rate, 0), errors: figure('errors', v.errors, 0),
  };
}


export function parseMetrics(raw: unknown, status: number): MetricsSnapshot {
  const { body, paths } = nullNotNumbers(raw);
  const m = parse(metricsSchema, body, 'GET /api/stream_metrics', status);
  const badIn = (p: 'stream' | 'traditional') => new Set(paths.filter((x) => x.startsWith(`summary.${p}.`)).map((x) => x.slice(`summary.${p}.`.length)));
  return {
    stream: path(m.summary.stream, badIn('stream')), traditional: path(m.summary.traditional, badIn('traditional')),
    notNumbers: paths,
    durationSeconds: m.duration_seconds ?? 0,
    // Absent on the original service: its figures are cumulative since start.
    windowSeconds: m.window_seconds ?? null,
    timestamp: m.timestamp ?? 0,
  };
}

export function parseRollback(body: unknown, status: number): RollbackReply {
  const r = parse(rollbackSchema, body, 'POST /api/emergency_rollback', status);
  const reply: RollbackReply = { success: r.success };
  if (r.rollback_time !== undefined) reply.rollbackTime = r.rollback_time;
  if (typeof r.traffic_ratio === 'number') reply.trafficRatio = r.traffic_ratio;
  if (r.consumers_stopped !== undefined) reply.consumersStopped = r.consumers_stopped;
  if (r.draining !== undefined) reply.draining = r.draining;
  if (r.message !== undefined) reply.message = r.message;
  if (r.error !== undefined) reply.error = r.error;
  if (r.local_override === true) reply.localOnly = true;
  reply.httpStatus = status;
  return reply;
}

export function parseStreamStats(body: unknown, status: number): StreamStats {
  const s = parse(statsSchema, body, 'GET /api/stream_stats', status).stream_stats;
  return {
    messagesProduced: s.manager_stats?.messages_produced ?? null,
    messagesConsumed: s.manager_stats?.messages_consumed ?? null,
    errors: s.manager_stats?.errors ?? null,
    streams: Object.entries(s.streams ?? {}).map(([name, info]) => ({
      name,
      length: info.stream_info?.length ?? 0,
      groups: info.stream_info?.groups ?? 0,
      ...(info.config?.consumer_group ? { consumerGroup: info.config.consumer_group } : {}),
      ...(info.backlog
        ? {
            backlog: {
              lag: info.backlog.lag ?? null, pending: info.backlog.pending ?? 0, oldestPendingMs: info.backlog.oldest_pending_ms ?? null,
              deadLetters: info.backlog.dead_letters ?? 0, trimmedUnconsumed: info.backlog.trimmed_unconsumed ?? 0,
            },
          }
        : {}),
    })),
  };
}

export function parseAudit(body: unknown, status: number): AuditEntry[] {
  return parse(auditSchema, body, 'GET /api/audit', status).entries.map((e) => ({
    time: e.time, action: e.action, old: e.old ?? null, new: e.new ?? null,
    ...(e.reason ? { reason: e.reason } : {}), ...(e.who ? { who: e.who } : {}), ...(e.from ? { from: e.from } : {}),
  }));
}
