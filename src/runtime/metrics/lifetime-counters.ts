/**
 * Counters since this instance started, per traffic path: requests, errors and a latency
 * histogram, never windowed, so a reader can take the difference of two reads and judge exactly
 * the traffic between them (`GET /api/stream_metrics/counters`, issue 11).
 *
 * The histogram has LatencyHistogram's bucket layout but Float64Array counts: Uint32 is fine for
 * a 60 s window, but at 20k uploads/s one busy bucket passes 2^32 in under 2.5 days, and a
 * float64 counts exactly up to 2^53 (14,000 years at 20k/s). Published buckets carry their
 * upper bound in ms, not their index, so a reader needs no knowledge of this layout.
 */
import { BUCKET_COUNT, bucketIndex, bucketUpperBound } from './latency-histogram.js';

/** The two traffic paths (sliding-window.ts TrafficPath; not imported, to keep the files acyclic). */
type TrafficPath = 'stream' | 'traditional';

/** Format tag of the counters document, and of what instances publish to Redis. */
export const COUNTERS_FORMAT = 'streamctl.counters/v1';

/** Upper bound of the overflow bucket (>= 65.5 s): JSON has no Infinity, Prometheus writes `+Inf`. */
export const OVERFLOW_BOUND = '+Inf';

/** One path's cumulative counts; `buckets` holds non-empty buckets only, ascending by bound. */
export interface PathCountersJSON {
  requests: number;
  errors: number;
  latency_ms: {
    /** [upper bound in ms (exclusive; `+Inf` for the overflow), requests in that bucket]. */
    buckets: Array<[number | typeof OVERFLOW_BOUND, number]>;
    sum_ms: number;
    count: number;
  };
}

/** One instance's counters as served and as published to Redis. */
export interface InstanceCountersJSON {
  id: string;
  /** Wall ms when the counters started from zero (the instance's start). */
  started_at_ms: number;
  /** Wall ms when they were read (for another instance: its last publish, at most ~1 s old). */
  read_at_ms: number;
  paths: { stream: PathCountersJSON; traditional: PathCountersJSON };
}

export interface CountersDocument {
  format: typeof COUNTERS_FORMAT;
  /** Unix seconds of the answer, the answering instance's clock. */
  timestamp: number;
  instances: InstanceCountersJSON[];
}

export class LifetimeCounters {
  /** Index path * BUCKET_COUNT + bucket; path 0 = stream, 1 = traditional. */
  private readonly buckets = new Float64Array(2 * BUCKET_COUNT);
  private readonly requests = new Float64Array(2);
  private readonly errors = new Float64Array(2);
  private readonly sumMs = new Float64Array(2);

  /** Hot path (once per upload): typed-array increments, no allocation. Errors are requests too. */
  record(path: TrafficPath, latencyMs: number, isError: boolean): void {
    const p = path === 'stream' ? 0 : 1;
    // A NaN, negative or infinite duration (a clock bug) counts the request at 0 ms, as LatencyHistogram does.
    const ms = latencyMs >= 0 && latencyMs < Infinity ? latencyMs : 0;
    this.requests[p]++;
    if (isError) this.errors[p]++;
    this.sumMs[p] += ms;
    this.buckets[p * BUCKET_COUNT + bucketIndex(ms)]++;
  }

  /** Requests and summed latency in ms (the Prometheus summary's `_count` and `_sum`). */
  lifetime(path: TrafficPath): { count: number; sumMs: number } {
    const p = path === 'stream' ? 0 : 1;
    return { count: this.requests[p], sumMs: this.sumMs[p] };
  }

  /** The JSON form of one path; allocated per read, never per request. */
  toJSON(path: TrafficPath): PathCountersJSON {
    const p = path === 'stream' ? 0 : 1;
    const buckets: PathCountersJSON['latency_ms']['buckets'] = [];
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const count = this.buckets[p * BUCKET_COUNT + i];
      if (count === 0) continue;
      const upper = bucketUpperBound(i);
      buckets.push([upper === Infinity ? OVERFLOW_BOUND : upper, count]);
    }
    return { requests: this.requests[p], errors: this.errors[p], latency_ms: { buckets, sum_ms: this.sumMs[p], count: this.requests[p] } };
  }
}

/**
 * Validates an instance's counters read back from Redis (another instance, maybe another build);
 * throws TypeError when malformed, so the caller leaves it out rather than misreads it.
 */
export function parseInstanceCounters(json: unknown): InstanceCountersJSON {
  if (typeof json !== 'object' || json === null) throw new TypeError('counters: not an object');
  const o = json as Record<string, unknown>;
  if (typeof o.id !== 'string' || o.id.length === 0) throw new TypeError('counters: bad id');
  for (const k of ['started_at_ms', 'read_at_ms'] as const) {
    if (!isCount(o[k])) throw new TypeError(`counters: bad ${k}`);
  }
  const paths = o.paths as Record<string, unknown> | null | undefined;
  if (typeof paths !== 'object' || paths === null) throw new TypeError('counters: bad paths');
  return {
    id: o.id, started_at_ms: o.started_at_ms as number, read_at_ms: o.read_at_ms as number,
    paths: { stream: parsePath(paths.stream, 'stream'), traditional: parsePath(paths.traditional, 'traditional') },
  };
}

function parsePath(json: unknown, name: string): PathCountersJSON {
  if (typeof json !== 'object' || json === null) throw new TypeError(`counters: bad path ${name}`);
  const { requests, errors, latency_ms: latency } = json as Record<string, unknown>;
  if (!isCount(requests) || !isCount(errors) || errors > requests) throw new TypeError(`counters: bad ${name} requests/errors`);
  if (typeof latency !== 'object' || latency === null) throw new TypeError(`counters: bad ${name} latency_ms`);
  const { buckets, sum_ms: sumMs, count } = latency as Record<string, unknown>;
  if (!Array.isArray(buckets) || !isCount(sumMs) || count !== requests) throw new TypeError(`counters: bad ${name} latency_ms`);
  let total = 0;
  for (const pair of buckets as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`counters: bad ${name} bucket`);
    const [upper, c] = pair as unknown[];
    if (!(upper === OVERFLOW_BOUND || isCount(upper)) || !isCount(c)) throw new TypeError(`counters: bad ${name} bucket`);
    total += c;
  }
  if (total !== requests) throw new TypeError(`counters: ${name} buckets do not add up to its requests`);
  return json as PathCountersJSON;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
