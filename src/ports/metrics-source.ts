/** One path's figures as the admin API reports them (spec §3: times in ms, error rate in percent). */
/**
 * One path's figures. A figure the service sent as something other than a finite number (Python's
 * `NaN`, `Infinity`) is null here and named in `MetricsSnapshot.notNumbers`: never read as 0.
 */
export interface PathMetrics {
  requests: number | null;
  qps: number;
  avgMs: number | null;
  p95Ms: number | null;
  /** Absent on the original service. */
  p99Ms: number | null;
  /** Percent: errors / requests * 100. */
  errorRate: number | null;
  errors: number | null;
}

export interface MetricsSnapshot {
  stream: PathMetrics;
  traditional: PathMetrics;
  durationSeconds: number;
  /** The sliding window (60 s on streamctl serve); null means cumulative since start (the original). */
  windowSeconds: number | null;
  /** Unix seconds, as the service reports it. */
  timestamp: number;
  /** Paths of figures the service sent as not-a-number (`summary.stream.error_rate`...). */
  notNumbers: string[];
}

/**
 * Latency counts of one path as a histogram: `[upper bound in ms (exclusive; Infinity for the
 * overflow), requests in that bucket]`, ascending by bound. Any bucket layout works: a reader
 * needs only the bounds. null where the service sent something that is not a number.
 */
export interface LatencyCounts {
  buckets: Array<[number, number]> | null;
  sumMs: number | null;
}

/** One path's counts since its instance started; a figure sent as not a number is null. */
export interface PathCounters {
  requests: number | null;
  errors: number | null;
  latency: LatencyCounts;
}

/** One instance's counters: they start from zero when the instance starts. */
export interface InstanceCounters {
  id: string;
  /** Wall ms when the instance (and so its counters) started. */
  startedAtMs: number;
  /** Wall ms when they were read. */
  readAtMs: number;
  stream: PathCounters;
  traditional: PathCounters;
}

/** A read of cumulative counters (streamctl serve's `GET /api/stream_metrics/counters`). */
export interface CountersReading {
  /** Unix seconds, as the service reports it. */
  timestamp: number;
  instances: InstanceCounters[];
  /** Paths of figures the service sent as not-a-number (`instances[0].paths.stream.errors`...). */
  notNumbers: string[];
}

export interface MetricsSource {
  read(): Promise<MetricsSnapshot>;
  /**
   * Cumulative counters per instance, or null when the target does not offer them (404: the
   * original service): then only `read()` is there. Optional: a source without it offers none.
   */
  readCounters?(): Promise<CountersReading | null>;
}
