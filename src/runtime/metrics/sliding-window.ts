/**
 * Sliding-window request metrics per traffic path (spec §3 "Metrics", design §3).
 *
 * A ring of `windowMs / bucketMs` slots per path; each slot holds requests, errors and a
 * latency histogram for one bucket of wall time, tagged with its epoch (floor(now / bucketMs)).
 * A slot whose tag is stale is cleared the first time it is written again, and ignored by
 * reads, so expiry costs nothing while idle and memory is fixed whatever the traffic.
 */
import { LatencyHistogram, type HistogramJSON } from './latency-histogram.js';
import { LifetimeCounters, type InstanceCountersJSON } from './lifetime-counters.js';

export type TrafficPath = 'stream' | 'traditional';
export const TRAFFIC_PATHS: readonly TrafficPath[] = ['stream', 'traditional'];
/** Format tag of WindowSnapshot, so instances running different builds refuse each other's data. */
export const SNAPSHOT_FORMAT = 1;

export interface PathSummary {
  requests: number;
  qps: number;
  avg_response_time: number;
  p95_response_time: number;
  p99_response_time: number;
  error_rate: number;
  errors: number;
}

export interface MetricsSummary {
  summary: { stream: PathSummary; traditional: PathSummary };
  duration_seconds: number;
  window_seconds: number;
  timestamp: number;
}

export interface SlidingWindowOptions {
  windowMs?: number;
  bucketMs?: number;
  now?: () => number;
}

export interface PathSnapshot {
  requests: number;
  errors: number;
  hist: HistogramJSON;
}

/** One instance's window, JSON-safe so instances can publish it (e.g. to Redis) and aggregate. */
export interface WindowSnapshot {
  v: number;
  /** Covered span is [start_ms, end_ms]: later of (end - window) and the instance's start. */
  start_ms: number;
  end_ms: number;
  window_ms: number;
  paths: { stream: PathSnapshot; traditional: PathSnapshot };
}

export class SlidingWindowMetrics {
  readonly windowMs: number;
  readonly bucketMs: number;
  private readonly slots: number;
  private readonly now: () => number;
  private readonly createdMs: number;
  /** Epoch held by each slot; -Infinity = never written. Shared by both paths. */
  private readonly epochs: Float64Array;
  /** Index path * slots + slot, path 0 = stream, 1 = traditional. */
  private readonly requests: Float64Array;
  private readonly errors: Float64Array;
  private readonly hists: LatencyHistogram[];
  private curEpoch = -Infinity;
  private curSlot = 0;
  /** Since creation, never windowed (GET /api/stream_metrics/counters, the Prometheus `_sum`/`_count`). */
  private readonly sinceStart = new LifetimeCounters();

  constructor(options: SlidingWindowOptions = {}) {
    const windowMs = options.windowMs ?? 60_000;
    const bucketMs = options.bucketMs ?? 1_000;
    if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new RangeError('bucketMs must be a positive integer');
    if (!Number.isInteger(windowMs) || windowMs < bucketMs || windowMs % bucketMs !== 0) {
      throw new RangeError('windowMs must be a positive multiple of bucketMs');
    }
    this.windowMs = windowMs;
    this.bucketMs = bucketMs;
    this.slots = windowMs / bucketMs;
    this.now = options.now ?? Date.now;
    this.createdMs = this.now();
    this.epochs = new Float64Array(this.slots).fill(-Infinity);
    this.requests = new Float64Array(2 * this.slots);
    this.errors = new Float64Array(2 * this.slots);
    this.hists = Array.from({ length: 2 * this.slots }, () => new LatencyHistogram());
  }

  /** Hot path: a clock read, a few typed-array writes; no allocation. Errors are requests too. */
  record(path: TrafficPath, latencyMs: number, isError: boolean): void {
    const epoch = Math.floor(this.now() / this.bucketMs);
    // A wall clock stepped backwards (NTP) keeps writing to the newest slot rather than
    // overwriting a slot of a newer epoch with older data.
    if (epoch > this.curEpoch) this.advance(epoch);
    const i = (path === 'stream' ? 0 : this.slots) + this.curSlot;
    this.requests[i]++;
    if (isError) this.errors[i]++;
    this.hists[i].record(latencyMs);
    this.sinceStart.record(path, latencyMs, isError);
  }

  /**
   * Requests and their summed latency (ms) since this instance started: only ever grow, so they
   * are the `_count` and `_sum` of the Prometheus summary, whose quantiles are windowed.
   */
  lifetime(path: TrafficPath): { count: number; sumMs: number } {
    return this.sinceStart.lifetime(path);
  }

  /**
   * This instance's counters since it started (requests, errors, latency buckets by upper bound
   * in ms), for `GET /api/stream_metrics/counters`: a reader differences two of them.
   */
  counters(id: string): InstanceCountersJSON {
    return {
      id, started_at_ms: this.createdMs, read_at_ms: this.now(),
      paths: { stream: this.sinceStart.toJSON('stream'), traditional: this.sinceStart.toJSON('traditional') },
    };
  }

  summary(): MetricsSummary {
    const nowMs = this.now();
    const covered = Math.max(1, this.coveredMs(nowMs) / 1000);
    const [stream, traditional] = this.totals(nowMs);
    return {
      summary: {
        stream: stream.toSummary(stream.requests / covered),
        traditional: traditional.toSummary(traditional.requests / covered),
      },
      duration_seconds: round2(covered),
      window_seconds: this.windowMs / 1000,
      timestamp: nowMs / 1000,
    };
  }

  snapshot(): WindowSnapshot {
    const nowMs = this.now();
    const [stream, traditional] = this.totals(nowMs);
    return {
      v: SNAPSHOT_FORMAT,
      start_ms: nowMs - this.coveredMs(nowMs),
      end_ms: nowMs,
      window_ms: this.windowMs,
      paths: { stream: stream.toSnapshot(), traditional: traditional.toSnapshot() },
    };
  }

  /** min(window, time since creation): the span the counts are divided by for qps. */
  private coveredMs(nowMs: number): number {
    return Math.max(0, Math.min(this.windowMs, nowMs - this.createdMs));
  }

  private advance(epoch: number): void {
    const slot = ((epoch % this.slots) + this.slots) % this.slots; // clocks before 1970 stay in range
    this.curEpoch = epoch;
    this.curSlot = slot;
    if (this.epochs[slot] === epoch) return;
    this.epochs[slot] = epoch;
    this.clear(slot);
    this.clear(this.slots + slot);
  }

  private clear(i: number): void {
    this.requests[i] = 0;
    this.errors[i] = 0;
    this.hists[i].reset();
  }

  /** Window totals per path. A clock read behind the newest write still sees that write. */
  private totals(nowMs: number): [PathTotals, PathTotals] {
    const epoch = Math.max(this.curEpoch, Math.floor(nowMs / this.bucketMs));
    const stream = new PathTotals();
    const traditional = new PathTotals();
    this.collect(0, epoch, stream);
    this.collect(1, epoch, traditional);
    return [stream, traditional];
  }

  /** Adds every slot of `path` whose epoch lies in (epoch - slots, epoch] into `into`. */
  private collect(path: 0 | 1, epoch: number, into: PathTotals): void {
    const oldest = epoch - this.slots;
    for (let s = 0; s < this.slots; s++) {
      const e = this.epochs[s];
      if (e <= oldest || e > epoch) continue;
      const i = path * this.slots + s;
      into.requests += this.requests[i];
      into.errors += this.errors[i];
      into.hist.merge(this.hists[i]);
    }
  }
}

/**
 * Aggregates snapshots from several instances. Snapshots whose end is older than the window
 * hold only expired data (a dead instance's last publish) and are skipped. qps is the sum of
 * each instance's own rate, so an instance that started 5 s ago is not diluted over 60 s;
 * duration_seconds is the longest covered span (0 when no snapshot is live).
 */
export function mergeSnapshots(snapshots: WindowSnapshot[], nowMs: number, windowSeconds: number): MetricsSummary {
  const cutoff = nowMs - windowSeconds * 1000;
  const stream = new PathTotals();
  const traditional = new PathTotals();
  let streamQps = 0;
  let traditionalQps = 0;
  let longest = 0;
  for (const snap of snapshots) {
    if (snap.end_ms <= cutoff) continue;
    const covered = Math.max(1, (snap.end_ms - snap.start_ms) / 1000);
    longest = Math.max(longest, covered);
    streamQps += stream.add(snap.paths.stream) / covered;
    traditionalQps += traditional.add(snap.paths.traditional) / covered;
  }
  return {
    summary: { stream: stream.toSummary(streamQps), traditional: traditional.toSummary(traditionalQps) },
    duration_seconds: round2(longest),
    window_seconds: windowSeconds,
    timestamp: nowMs / 1000,
  };
}

/** Validates an untrusted snapshot (e.g. read back from Redis); throws TypeError if malformed. */
export function parseSnapshot(json: unknown): WindowSnapshot {
  if (typeof json !== 'object' || json === null) throw new TypeError('snapshot: not an object');
  const o = json as Record<string, unknown>;
  if (o.v !== SNAPSHOT_FORMAT) throw new TypeError(`snapshot: unsupported format ${String(o.v)}`);
  for (const k of ['start_ms', 'end_ms', 'window_ms'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) throw new TypeError(`snapshot: bad ${k}`);
  }
  if ((o.start_ms as number) > (o.end_ms as number)) throw new TypeError('snapshot: start_ms after end_ms');
  const paths = o.paths as Record<string, unknown> | null | undefined;
  if (typeof paths !== 'object' || paths === null) throw new TypeError('snapshot: bad paths');
  const out = { stream: parsePath(paths.stream, 'stream'), traditional: parsePath(paths.traditional, 'traditional') };
  return { v: SNAPSHOT_FORMAT, start_ms: o.start_ms as number, end_ms: o.end_ms as number, window_ms: o.window_ms as number, paths: out };
}

function parsePath(json: unknown, name: string): PathSnapshot {
  if (typeof json !== 'object' || json === null) throw new TypeError(`snapshot: bad path ${name}`);
  const { requests, errors, hist } = json as Record<string, unknown>;
  const h = LatencyHistogram.fromJSON(hist);
  // requests is redundant with the histogram's count; a mismatch means a corrupt or foreign record.
  if (requests !== h.count) throw new TypeError(`snapshot: ${name} requests do not match histogram`);
  if (!Number.isInteger(errors) || (errors as number) < 0 || (errors as number) > h.count) {
    throw new TypeError(`snapshot: bad ${name} errors`);
  }
  return { requests: h.count, errors: errors as number, hist: h.toJSON() };
}

/** Read-side accumulator for one path; allocated per read, never per request. */
class PathTotals {
  requests = 0;
  errors = 0;
  readonly hist = new LatencyHistogram();

  /** Adds one snapshot path; returns its request count. */
  add(p: PathSnapshot): number {
    this.requests += p.requests;
    this.errors += p.errors;
    this.hist.merge(LatencyHistogram.fromJSON(p.hist));
    return p.requests;
  }

  toSummary(qps: number): PathSummary {
    const h = this.hist;
    return {
      requests: this.requests,
      qps: round2(qps),
      avg_response_time: h.count === 0 ? 0 : round2(h.sum / h.count),
      p95_response_time: round2(h.quantile(0.95)),
      p99_response_time: round2(h.quantile(0.99)),
      error_rate: this.requests === 0 ? 0 : round2((this.errors / this.requests) * 100),
      errors: this.errors,
    };
  }

  toSnapshot(): PathSnapshot {
    return { requests: this.requests, errors: this.errors, hist: this.hist.toJSON() };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
