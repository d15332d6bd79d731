export type RoutingMode = 'random' | 'device';

/** Everything `streamctl serve` can be told; the CLI maps flags onto this. */
export interface ServeOptions {
  port: number;
  host: string;
  /** Absent: start an embedded redis-server under `<dataDir>/redis`. */
  redisUrl?: string;
  /** SQLite path or postgres:// URL. Absent: SQLite at `<dataDir>/streamctl.db`. */
  database?: string;
  dataDir: string;
  /** Absent: keep the ratio stored in Redis (0.1 when none is stored yet, the spec's start). */
  ratio?: number;
  routing: RoutingMode;
  /** Consumers per stream in this process. */
  consumers: number;
  /** XREADGROUP COUNT (spec: 200). */
  consumerBatch: number;
  /** Traditional path: flush when this many records are queued... */
  batchSize: number;
  /** ...or when the oldest has waited this long. */
  flushIntervalMs: number;
  /** Pending entries idle this long are claimed from their consumer (dead or stuck). */
  claimIdleMs: number;
  /** Deliveries after which a record that cannot be persisted goes to the dead-letter stream. */
  maxDeliveries: number;
  metricsWindowMs: number;
  maxBodyBytes: number;
  adminToken?: string;
  insecure: boolean;
  enableChaos: boolean;
  /** Bound on the drain at shutdown; what is not done by then stays pending in Redis, not lost. */
  shutdownTimeoutMs: number;
  /** Consumer names are `<prefix>-<stream kind>-<index>`; stable across restarts by default. */
  consumerNamePrefix?: string;
  /** Unconsumed entries per stream at which uploads get 503; absent: the spec's MAXLEN of each stream. */
  maxBacklog?: number;
  /** Slow clients: a request's headers must arrive within this... */
  headersTimeoutMs: number;
  /** ...and the whole request within this. A connection that sends nothing is closed after headersTimeoutMs too. */
  requestTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed this long after its last answer. 65 s by default:
   * longer than the 60 s idle timeout of common load balancers (AWS ALB, nginx's 60 s
   * keepalive_timeout upstream), so the balancer closes first and never sends a request onto a
   * socket the service is closing.
   */
  keepAliveTimeoutMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Run on a Redis whose maxmemory-policy is not `noeviction` (or cannot be read), logging the
   * risk at critical; without it serve refuses to start (exit 64). See shared/eviction-policy.ts.
   */
  allowEviction?: boolean;
  /**
   * Never change the database's schema: start only when every table, column and index serve
   * needs is there, else refuse (exit 64) naming what is missing (sinks/no-migrate.ts).
   */
  noMigrate?: boolean;
}

export const DEFAULT_SERVE_OPTIONS: ServeOptions = {
  port: 5225,
  host: '127.0.0.1',
  dataDir: '.streamctl',
  routing: 'random',
  consumers: 1,
  consumerBatch: 200,
  batchSize: 100,
  flushIntervalMs: 1_000,
  claimIdleMs: 30_000,
  maxDeliveries: 5,
  metricsWindowMs: 60_000,
  maxBodyBytes: 1_048_576,
  insecure: false,
  enableChaos: false,
  shutdownTimeoutMs: 15_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  logLevel: 'info',
};

/** The spec's initial canary ratio, used when Redis holds none yet. */
export const INITIAL_RATIO = 0.1;
