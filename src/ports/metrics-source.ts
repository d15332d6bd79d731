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

export interface MetricsSource {
  read(): Promise<MetricsSnapshot>;
}
