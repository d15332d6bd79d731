/**
 * The traffic of one interval, from two reads of cumulative figures (issue 11: "judge every
 * sample on the traffic of its own interval"). Pure: no sockets, no clock.
 *
 * - `countersInterval`: streamctl serve's counters per instance (requests, errors, latency
 *   buckets since each instance started): everything is differenced, p95/p99 included.
 * - `cumulativeInterval`: a target with only `/api/stream_metrics` (the original service, whose
 *   figures are cumulative since it started): requests and errors are differenced; its p95 is
 *   cumulative and is taken as it is (`p95Span: 'since_start'`).
 *
 * A figure that cannot be known is null with the reason in `unknown`, so the sample says why it is
 * inconclusive (a reset, a NaN the service sent, no baseline); never read as 0.
 */
import type { CountersReading, InstanceCounters, MetricsSnapshot, PathCounters, PathMetrics } from '../ports/metrics-source.js';
import type { JudgedSnapshot, UnknownFigures } from './analysis.js';
import { bucketDifference, bucketQuantile, bucketTotal, mergeBuckets, type Buckets } from './latency-buckets.js';

/**
 * One read of what a run differences: streamctl serve's counters per instance, or, on a target
 * without them (the original service), its `/api/stream_metrics` figures.
 */
export type Reading = { kind: 'counters'; counters: CountersReading } | { kind: 'metrics'; snapshot: MetricsSnapshot };

type PathName = 'stream' | 'traditional';
const PATHS: readonly PathName[] = ['stream', 'traditional'];

/** One path's difference over the instances that count; null figures are unknown, with a reason. */
interface PathDelta {
  requests: number | null;
  errors: number | null;
  buckets: Buckets | null;
  sumMs: number | null;
  why: UnknownFigures;
}

/**
 * The interval between two counters reads. Instances are matched by id and start time:
 * - matched: the difference of its counters; any count going down means its counters were reset,
 *   and then the whole interval is unknown (the sample is inconclusive, saying so);
 * - new, started after the previous read: counted from zero (its whole life is in the interval);
 * - new, started before the previous read (it was missed then): its share of this interval is
 *   unknown, so it is left out, with a note;
 * - gone (in the previous read, not in this one): its traffic in the interval is unknown, noted.
 */
export function countersInterval(previous: CountersReading, current: CountersReading): JudgedSnapshot {
  const seconds = round(current.timestamp - previous.timestamp, 3);
  const notes: string[] = [];
  const before = new Map(previous.instances.map((instance, j) => [key(instance), { instance, j }]));
  const matched = new Set<string>();
  const deltas: Record<PathName, PathDelta[]> = { stream: [], traditional: [] };
  let reset: string | null = null;

  current.instances.forEach((instance, i) => {
    const prior = before.get(key(instance));
    if (prior) matched.add(key(instance));
    else if (instance.startedAtMs > previous.timestamp * 1000) {
      notes.push(`instance ${instance.id} started during this interval (${iso(instance.startedAtMs)}): counted from zero`);
    } else {
      notes.push(`instance ${instance.id} (started ${iso(instance.startedAtMs)}) was not in the previous reading: its share of this interval is unknown and left out`);
      return;
    }
    for (const path of PATHS) {
      const name = (at: 'current' | 'previous', field: string) => notNumberName(at === 'current' ? current : previous, at === 'current' ? i : prior!.j, path, field);
      const delta = pathDelta(prior ? prior.instance[path] : ZERO_PATH, instance[path], name);
      if ('reset' in delta) reset ??= `the counters of instance ${instance.id} went backwards (${path} ${delta.reset}): its metrics were reset, so this interval is unknown`;
      else deltas[path].push(delta);
    }
  });
  for (const instance of previous.instances) {
    if (!matched.has(key(instance))) notes.push(`instance ${instance.id} was in the previous reading but not in this one (stopped, or its counters did not arrive in time): its traffic in this interval is unknown`);
  }

  const paths = {} as Record<PathName, PathMetrics>;
  const unknown = {} as Record<PathName, UnknownFigures>;
  for (const path of PATHS) {
    const sum = reset === null ? sumDeltas(deltas[path]) : unknownDelta(reset);
    paths[path] = pathMetrics(sum, seconds);
    unknown[path] = sum.why;
  }
  return {
    ...paths, durationSeconds: seconds, windowSeconds: null, timestamp: current.timestamp, notNumbers: current.notNumbers,
    intervalSeconds: seconds, p95Span: 'interval', unknown, notes,
  };
}

/**
 * The interval between two reads of `/api/stream_metrics` on a target without counters. Its
 * figures cumulative since start (`windowSeconds` null): requests and errors differenced, the
 * error rate from them, p95 as the service gives it (cumulative). A target with a sliding window
 * cannot be differenced: its window is judged as it is.
 */
export function cumulativeInterval(previous: MetricsSnapshot, current: MetricsSnapshot): JudgedSnapshot {
  if (current.windowSeconds !== null || previous.windowSeconds !== null) {
    return { ...current, intervalSeconds: null, p95Span: 'window', unknown: { stream: {}, traditional: {} }, notes: [] };
  }
  const seconds = round(current.timestamp - previous.timestamp, 3);
  const sent = (path: PathName, field: string) => `the service sent summary.${path}.${field} as not a number`;
  let reset: string | null = null;
  const deltas = {} as Record<PathName, PathDelta>;
  for (const path of PATHS) {
    const prev = previous[path];
    const cur = current[path];
    const why: UnknownFigures = {};
    const requests = prev.requests === null || cur.requests === null ? null : cur.requests - prev.requests;
    const errors = prev.errors === null || cur.errors === null ? null : cur.errors - prev.errors;
    if (requests === null) why.requests = sent(path, 'requests');
    if (errors === null) why.errorRate = sent(path, 'errors');
    if ((requests ?? 0) < 0 || (errors ?? 0) < 0) {
      const [field, was, now] = (requests ?? 0) < 0 ? ['requests', prev.requests, cur.requests] : ['errors', prev.errors, cur.errors];
      reset ??= `the service's counters went backwards (${path} ${field} ${was} -> ${now}): it restarted or its metrics were reset, so this interval is unknown`;
    }
    deltas[path] = { requests, errors, buckets: null, sumMs: null, why };
  }
  const paths = {} as Record<PathName, PathMetrics>;
  const unknown = {} as Record<PathName, UnknownFigures>;
  for (const path of PATHS) {
    const d = reset === null ? deltas[path] : unknownDelta(reset);
    const cur = current[path];
    // p95/p99/avg: cumulative since the service started, the only latency it offers.
    const latency = reset === null ? { p95Ms: cur.p95Ms, p99Ms: cur.p99Ms, avgMs: cur.avgMs } : { p95Ms: null, p99Ms: null, avgMs: null };
    paths[path] = { ...pathMetrics(d, seconds), ...latency };
    unknown[path] = reset === null && cur.p95Ms === null ? { ...d.why, p95Ms: sent(path, 'p95_response_time') } : d.why;
  }
  return {
    ...paths, durationSeconds: current.durationSeconds, windowSeconds: null, timestamp: current.timestamp, notNumbers: current.notNumbers,
    intervalSeconds: seconds, p95Span: 'since_start', unknown, notes: [],
  };
}

/** A sample with nothing to judge, saying why (no baseline reading to difference from). */
export function unknownInterval(reason: string, timestamp: number, windowSeconds: number | null = null): JudgedSnapshot {
  const d = unknownDelta(reason);
  const path = pathMetrics(d, 0);
  return {
    stream: path, traditional: path, durationSeconds: 0, windowSeconds, timestamp, notNumbers: [],
    intervalSeconds: null, p95Span: 'interval', unknown: { stream: d.why, traditional: d.why }, notes: [],
  };
}

const ZERO_PATH: PathCounters = { requests: 0, errors: 0, latency: { buckets: [], sumMs: 0 } };

function key(instance: InstanceCounters): string {
  return `${instance.id}\u0000${instance.startedAtMs}`;
}

/** One instance's path difference, or which count went down (a reset). */
function pathDelta(prev: PathCounters, cur: PathCounters, name: (at: 'current' | 'previous', field: string) => string): PathDelta | { reset: string } {
  const why: UnknownFigures = {};
  // Named as the read that sent it: this one if its figure is null, else the previous one.
  const sent = (field: string, inCurrent: boolean) => `the service sent ${name(inCurrent ? 'current' : 'previous', field)} as not a number`;
  const requests = prev.requests === null || cur.requests === null ? null : cur.requests - prev.requests;
  const errors = prev.errors === null || cur.errors === null ? null : cur.errors - prev.errors;
  if (requests !== null && requests < 0) return { reset: `requests ${prev.requests} -> ${cur.requests}` };
  if (errors !== null && errors < 0) return { reset: `errors ${prev.errors} -> ${cur.errors}` };
  if (requests === null) why.requests = sent('requests', cur.requests === null);
  if (errors === null) why.errorRate = sent('errors', cur.errors === null);
  let buckets: Buckets | null = null;
  if (prev.latency.buckets === null || cur.latency.buckets === null) {
    why.p95Ms = sent('latency_ms', cur.latency.buckets === null);
  } else {
    const diff = bucketDifference(prev.latency.buckets, cur.latency.buckets);
    if ('negative' in diff) return { reset: `latency bucket <= ${diff.negative} ms went down` };
    buckets = diff.buckets;
  }
  const sumMs = prev.latency.sumMs === null || cur.latency.sumMs === null ? null : cur.latency.sumMs - prev.latency.sumMs;
  return { requests, errors, buckets, sumMs, why };
}

/** Several instances' differences added up; one unknown figure makes the sum unknown, with its reason. */
function sumDeltas(deltas: PathDelta[]): PathDelta {
  const add = (pick: (d: PathDelta) => number | null) => (deltas.some((d) => pick(d) === null) ? null : deltas.reduce((s, d) => s + pick(d)!, 0));
  const why: UnknownFigures = {};
  for (const d of deltas) for (const [figure, reason] of Object.entries(d.why) as Array<[keyof UnknownFigures, string]>) why[figure] ??= reason;
  return {
    requests: add((d) => d.requests),
    errors: add((d) => d.errors),
    buckets: deltas.some((d) => d.buckets === null) ? null : mergeBuckets(deltas.map((d) => d.buckets!)),
    sumMs: add((d) => d.sumMs),
    why,
  };
}

function unknownDelta(reason: string): PathDelta {
  return { requests: null, errors: null, buckets: null, sumMs: null, why: { requests: reason, errorRate: reason, p95Ms: reason } };
}

/** The figures analyseSample judges: error rate in percent (3 decimals), times in ms (2 decimals). */
function pathMetrics(d: PathDelta, seconds: number): PathMetrics {
  const count = d.buckets === null ? null : bucketTotal(d.buckets);
  const quantile = (q: number) => {
    if (d.buckets === null) return null;
    const value = bucketQuantile(d.buckets, q);
    return value === null ? 0 : round(value, 2); // no requests: 0, as the service's own window says
  };
  return {
    requests: d.requests,
    qps: d.requests !== null && seconds > 0 ? round(d.requests / seconds, 2) : 0,
    avgMs: d.sumMs === null || count === null ? null : count === 0 ? 0 : round(d.sumMs / count, 2),
    p95Ms: quantile(0.95),
    p99Ms: quantile(0.99),
    errors: d.errors,
    errorRate: d.requests === null || d.errors === null ? null : d.requests === 0 ? 0 : round((d.errors / d.requests) * 100, 3),
  };
}

/** `instances[i].paths.<path>.<field>` as the reading named it when it was not a number. */
function notNumberName(reading: CountersReading, index: number, path: PathName, field: string): string {
  const prefix = `instances[${index}].paths.${path}.${field}`;
  return reading.notNumbers.find((p) => p.startsWith(prefix)) ?? prefix;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
