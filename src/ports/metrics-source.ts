/** One path's figures as the admin API reports them (spec §3: times in ms, error rate in percent). */
export interface PathMetrics {
  requests: number;
  qps: number;
  avgMs: number;
  p95Ms: number;
  /** Absent on the original service. */
  p99Ms: number | null;
  /** Percent: errors / requests * 100. */
  errorRate: number;
  errors: number;
}

export interface MetricsSnapshot {
  stream: PathMetrics;
  traditional: PathMetrics;
  durationSeconds: number;
  /** The sliding window (60 s on streamctl serve); null means cumulative since start (the original). */
  windowSeconds: number | null;
  /** Unix seconds, as the service reports it. */
  timestamp: number;
}

export interface MetricsSource {
  read(): Promise<MetricsSnapshot>;
}
