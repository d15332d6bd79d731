/** A step's `load:` request (scenario YAML), run in the background while the step is observed. */
export interface LoadSpec {
  /** Requests per second. */
  rate: number;
  /** Longest the load runs; the engine stops it sooner when the step ends. */
  durationMs: number;
  devices?: number;
  connections?: number;
  endpoint?: string;
}

/** What a load did, for the journal: the generator's own figures, not the service's. */
export interface LoadSummary {
  targetRate: number;
  /** 2xx answers per second of the time the load ran. */
  achievedRate: number;
  sent: number;
  /** Requests answered 2xx: the uploads the service accepted. */
  ok: number;
  /** Not sent: the client-side backlog was full (the service fell far behind). */
  dropped: number;
  /** Non-2xx answers by status, network failures by code. */
  errors: Record<string, number>;
  /** Share of failed requests, 0..1. */
  errorRate: number;
  /** Latency of the 2xx answers only (null without any): what an accepted upload cost. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /**
   * Latency of the failed requests (non-2xx answers, network failures), kept apart so that fast
   * refusals never pass for a fast service. Absent in journals written before it existed.
   */
  failedLatency?: { count: number; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null };
  /** How long requests were released. */
  durationMs: number;
  /** The engine stopped it (step ended, rollback, Ctrl-C) before its duration was over. */
  stoppedEarly: boolean;
  /** One line from the generator, e.g. `1200 of 1200 requests answered 2xx at 200/s`. */
  message: string;
  /** Set when the generator itself failed (the figures are then zero). */
  error?: string;
}

export interface LoadHandle {
  /**
   * Stops releasing requests at once (synchronously, at the call), then resolves with the
   * summary when the requests in flight have answered or timed out. Idempotent: every call
   * resolves with the same summary. Never rejects: a load that failed says so in `message`.
   */
  stop(): Promise<LoadSummary>;
}

export interface LoadRunner {
  /** Rejects when the load cannot start at all (bad endpoint or target). */
  start(spec: LoadSpec): Promise<LoadHandle>;
}
