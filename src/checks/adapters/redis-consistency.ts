import { Redis } from 'ioredis';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { readEvictionFacts, type EvictionFacts } from '../../shared/eviction-policy.js';
import { ledgerKey } from '../../shared/ledger-keys.js';
import { trimmedCounterKey } from '../layout.js';
import type { ConsistencyRedis, GroupInfo, PendingEntry, StreamEntry } from '../consistency/ports.js';
import { ioredisEndpointOptions, parseRedisUrl } from '../../shared/redis-url.js';
import { plainRedisError } from '../../shared/redis-errors.js';

type RawEntry = [string, string[] | null];

function toEntry([id, flat]: RawEntry): StreamEntry {
  const fields: Record<string, string> = Object.create(null);
  for (let i = 0; flat && i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return { id, fields };
}

/** XINFO GROUPS answers a flat [name, value, ...] list per group. */
function groupFields(raw: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[String(raw[i])] = raw[i + 1];
  return out;
}

function isNoSuchKey(error: unknown): boolean {
  return /no such key|ERR no such/i.test(errorMessage(error));
}

/** The check's reads, over an ioredis client the caller owns (serve passes its command connection). */
export class RedisConsistency implements ConsistencyRedis {
  constructor(
    private readonly redis: Redis,
    readonly description: string,
    private readonly ownsClient = false,
  ) {}

  async timeMs(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    const ms = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // Redis's answer, not the user's flag: a bad one is "could not check" (exit 2), never a usage error.
    if (!Number.isFinite(ms) || ms <= 0) throw new Error(`Redis answered TIME with ${JSON.stringify([seconds, micros])}, not a time`);
    return ms;
  }

  async ledger(minutes: readonly number[]): Promise<Map<number, Record<string, number>>> {
    const pipeline = this.redis.pipeline();
    for (const minute of minutes) pipeline.hgetall(ledgerKey(minute));
    const results = (await pipeline.exec()) ?? [];
    const out = new Map<number, Record<string, number>>();
    results.forEach(([error, value], index) => {
      if (error) throw error;
      const hash = value as Record<string, string>;
      if (Object.keys(hash).length === 0) return;
      out.set(minutes[index]!, Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v)])));
    });
    return out;
  }

  async streamLength(stream: string): Promise<number | null> {
    const type = await this.redis.type(stream);
    if (type === 'none') return null;
    if (type !== 'stream') throw new Error(`${stream} is a ${type}, not a stream`);
    return this.redis.xlen(stream);
  }

  async group(stream: string, group: string): Promise<GroupInfo | null> {
    let raw: unknown[];
    try {
      raw = (await this.redis.xinfo('GROUPS', stream)) as unknown[];
    } catch (error) {
      if (isNoSuchKey(error)) return null;
      throw error;
    }
    for (const entry of raw) {
      const g = groupFields(entry as unknown[]);
      if (g.name !== group) continue;
      const lag = g.lag === undefined || g.lag === null ? null : Number(g.lag);
      return { name: group, lag, lastDeliveredId: String(g['last-delivered-id']), pending: Number(g.pending ?? 0) };
    }
    return null;
  }

  async pending(stream: string, group: string, limit: number): Promise<{ entries: PendingEntry[]; truncated: boolean }> {
    const entries: PendingEntry[] = [];
    let start = '-';
    const page = 1_000;
    while (entries.length < limit) {
      const raw = (await this.redis.xpending(stream, group, start, '+', Math.min(page, limit - entries.length))) as Array<[string, string, number, number]>;
      for (const [id, consumer, idle, deliveries] of raw) entries.push({ id, consumer, idleMs: Number(idle), deliveries: Number(deliveries) });
      if (raw.length < page) return { entries, truncated: false };
      start = `(${raw[raw.length - 1]![0]}`;
    }
    return { entries, truncated: true };
  }

  async *range(stream: string, startId: string, endId: string, pageSize: number): AsyncIterable<StreamEntry[]> {
    let start = startId;
    for (;;) {
      const raw = (await this.redis.xrange(stream, start, endId, 'COUNT', pageSize)) as RawEntry[];
      if (raw.length > 0) yield raw.map(toEntry);
      if (raw.length < pageSize) return;
      start = `(${raw[raw.length - 1]![0]}`;
    }
  }

  async trimmedCount(stream: string): Promise<number | null> {
    const value = await this.redis.get(trimmedCounterKey(stream));
    return value === null ? null : Number(value);
  }

  eviction(): Promise<EvictionFacts> {
    return readEvictionFacts((command, ...args) => this.redis.call(command, ...args));
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.redis.disconnect();
  }
}

/**
 * Connects for the CLI: no offline queue and a short connect timeout, so an unreachable Redis is
 * exit 2 within seconds instead of a hang.
 */
export async function connectRedisConsistency(url: string): Promise<RedisConsistency> {
  // The same parser as serve's connections (a bad URL: UsageError, exit 64), so both read one host.
  const endpoint = parseRedisUrl(url);
  const redis = new Redis({ ...ioredisEndpointOptions(endpoint), lazyConnect: true, enableOfflineQueue: false, connectTimeout: 5_000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // ioredis rejects connect() with "Connection is closed"; the socket error says why (ECONNREFUSED...).
  let cause: unknown;
  redis.on('error', (error) => {
    cause ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new UnreachableError(`cannot check: ${plainRedisError(cause ?? error, endpoint.display)}`, 'pass --redis-url (or REDIS_URL) of the Redis `streamctl serve` uses');
  }
  return new RedisConsistency(redis, endpoint.display, true);
}
