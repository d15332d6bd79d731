import { KINDS, LAYOUT, type Kind } from '../layout.js';
import { buildDocument, couldNotCheckDocument, type ConsistencyDocument } from './document.js';
import { gatherCounts } from './gather-counts.js';
import { DEFAULT_SCAN_LIMITS, gatherStream, type ScanLimits, type StreamGathering } from './gather-streams.js';
import type { Observations } from './observations.js';
import type { BatchQueueFacts } from './batch-queue.js';
import { StreamctlError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-code.js';
import { SchemaError, type ConsistencyDatabase, type ConsistencyRedis } from './ports.js';
import { settleWindow, type SettledWindow } from './window.js';
import { isRedisClientError, plainRedisError } from '../../shared/redis-errors.js';

export interface ConsistencyDeps {
  redis: ConsistencyRedis;
  database: ConsistencyDatabase;
  /** Fallback clock when Redis's TIME cannot be read; tests pass a fixed one. */
  now?: () => number;
  /**
   * serve's batch queue (batch-queue.ts), read before and after the database reads; null when
   * there is no serve to ask. Absent: not counted (a check straight against Redis and a database).
   */
  batchQueue?: () => Promise<BatchQueueFacts | null>;
}

export interface ConsistencyOptions {
  /** Default 1 h (spec §4's window). */
  windowMs?: number;
  /** Default 2 min: work younger than this is not judged yet. */
  graceMs?: number;
  /** Judge the window ending `grace` before this instant; default: now on the Redis server's clock. */
  atMs?: number;
  strict?: boolean;
  /** Samples named per finding (default 5). */
  sampleLimit?: number;
  limits?: Partial<ScanLimits>;
  /** The service's own clock, when run inside `streamctl serve` (GET /api/consistency). */
  clock?: 'redis' | 'service';
  /**
   * The caller runs on an evicting Redis on purpose (--allow-eviction): a policy other than
   * noeviction is then a warning that the verdict cannot rule out evicted data, not inconclusive.
   */
  allowEviction?: boolean;
}

/**
 * Runs the whole check and always returns a document: a failure to read Redis or the database
 * becomes verdict `could_not_check` (exit 2) rather than an exception, so cron and the admin
 * endpoint get the same JSON either way. Neither client is closed here: the caller owns them.
 */
export async function runConsistencyCheck(deps: ConsistencyDeps, options: ConsistencyOptions = {}): Promise<ConsistencyDocument> {
  const now = deps.now ?? Date.now;
  const strict = options.strict ?? false;
  const sources = { database: deps.database.description, redis: deps.redis.description };
  const limits: ScanLimits = { ...DEFAULT_SCAN_LIMITS, ...options.limits, sampleLimit: options.sampleLimit ?? options.limits?.sampleLimit ?? DEFAULT_SCAN_LIMITS.sampleLimit };
  let window: SettledWindow | undefined;
  try {
    let clock: Observations['clock'] = 'at';
    let atMs = options.atMs;
    if (atMs === undefined) {
      if (options.clock === 'service') {
        atMs = now();
        clock = 'service';
      } else {
        atMs = await deps.redis.timeMs();
        clock = 'redis';
      }
    }
    window = settleWindow(atMs, options.windowMs ?? 3_600_000, options.graceMs ?? 120_000);
    await deps.database.verifySchema(KINDS.map((k) => LAYOUT[k]));
    const queueBefore = (await deps.batchQueue?.()) ?? null;
    const streams = {} as Record<Kind, StreamGathering>;
    for (const kind of KINDS) streams[kind] = await gatherStream(deps.redis, deps.database, LAYOUT[kind], window, limits);
    const countPart = await gatherCounts(deps.redis, deps.database, window, streams, limits.sampleLimit);
    // The larger of two readings around the row counts: a flush in between moves records from
    // the queue to the table, and must not make them look neither queued nor stored.
    const queueAfter = queueBefore ? (await deps.batchQueue?.()) ?? null : null;
    const batchQueue = queueBefore ? { ...(queueAfter ?? queueBefore), queued: Math.max(queueBefore.queued, queueAfter?.queued ?? 0) } : null;
    // Read last: an eviction during the reads above still shows in evicted_keys.
    const eviction = { ...(await deps.redis.eviction()), allowed: options.allowEviction ?? false };
    const observations: Observations = {
      window,
      clock,
      ...countPart,
      eviction,
      streams: Object.fromEntries(KINDS.map((k) => [k, streams[k].observation])) as Observations['streams'],
      batchQueue,
      sampleLimit: limits.sampleLimit,
    };
    return buildDocument(observations, { strict, sources, nowMs: now() });
  } catch (error) {
    if (error instanceof StreamctlError && error.exitCode === ExitCode.Usage) throw error;
    // ioredis's own words ("Connection is closed.") become plain ones naming the Redis.
    const message = isRedisClientError(error) ? plainRedisError(error, deps.redis.description) : error instanceof Error ? error.message : String(error);
    const hint = error instanceof SchemaError
      ? 'is this the database of `streamctl serve`? Start serve once against it to create the tables'
      : 'check that Redis and the database are reachable, then run the check again';
    return couldNotCheckDocument({ message, hint }, { strict, sources, nowMs: now() }, window);
  }
}
