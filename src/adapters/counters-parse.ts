import { z } from 'zod';
import type { CountersReading, PathCounters } from '../ports/metrics-source.js';
import { AdminApiError } from './admin-api-errors.js';
import { nullNotNumbers } from './not-numbers.js';

/**
 * Parses `GET /api/stream_metrics/counters` (format `streamctl.counters/v1`):
 * `{format, timestamp, instances: [{id, started_at_ms, read_at_ms, paths: {stream, traditional}}]}`,
 * each path `{requests, errors, latency_ms: {buckets: [[upper_ms | "+Inf", count], ...], sum_ms, count}}`.
 * A figure sent as not a finite number (NaN, Infinity: what Python's json.dumps writes) is null
 * and named in `notNumbers`, never read as 0; anything else malformed is an AdminApiError.
 */

export const COUNTERS_PATH = '/api/stream_metrics/counters';
const FORMAT = 'streamctl.counters/v1';

const num = z.number().finite().nonnegative();
const figure = num.nullable();
const bound = z.union([num, z.literal('+Inf')]).nullable();
const pathSchema = z.looseObject({
  requests: figure,
  errors: figure,
  latency_ms: z.looseObject({ buckets: z.array(z.tuple([bound, figure])), sum_ms: figure.optional() }),
});
const countersSchema = z.looseObject({
  format: z.string(),
  timestamp: num,
  instances: z.array(z.looseObject({
    id: z.string().min(1),
    started_at_ms: num,
    read_at_ms: num,
    paths: z.looseObject({ stream: pathSchema, traditional: pathSchema }),
  })),
});

export function parseCounters(raw: unknown, status: number): CountersReading {
  const { body, paths } = nullNotNumbers(raw);
  const result = countersSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdminApiError(`GET ${COUNTERS_PATH}: unexpected answer (${issue?.path.join('.') || 'body'}: ${issue?.message})`, status, raw);
  }
  const doc = result.data;
  if (doc.format !== FORMAT) {
    throw new AdminApiError(`GET ${COUNTERS_PATH}: format "${doc.format}" is not ${FORMAT}`, status, raw, 'this streamctl reads another version of serve: use the same version on both sides');
  }
  return {
    timestamp: doc.timestamp,
    notNumbers: paths,
    instances: doc.instances.map((instance) => ({
      id: instance.id, startedAtMs: instance.started_at_ms, readAtMs: instance.read_at_ms,
      stream: path(instance.paths.stream), traditional: path(instance.paths.traditional),
    })),
  };
}

function path(p: z.infer<typeof pathSchema>): PathCounters {
  // One bucket not a number makes the whole histogram unknown: a quantile over the rest would be wrong.
  const known = p.latency_ms.buckets.every(([upper, count]) => upper !== null && count !== null);
  return {
    requests: p.requests,
    errors: p.errors,
    latency: {
      buckets: known ? p.latency_ms.buckets.map(([upper, count]) => [upper === '+Inf' ? Infinity : upper!, count!]) : null,
      sumMs: p.latency_ms.sum_ms ?? null,
    },
  };
}
