import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnreachableError, UsageError } from '../../shared/errors.js';

/** What a serve data directory says about its embedded Redis (runtime/embedded-redis.ts writes it). */
export interface EmbeddedRedisTraces {
  dataDir: string;
  /** `<dataDir>/redis` exists: a serve ran here with an embedded Redis, which may be stopped now. */
  redisDir: boolean;
  /**
   * `<dataDir>/redis/streamctl-redis.json`, written while that Redis runs and removed when serve
   * stops it: its port; `unreadable` when the file does not parse; absent when there is no file.
   */
  runFile?: { port: number } | 'unreadable';
}

export function readEmbeddedRedisTraces(dataDir: string): EmbeddedRedisTraces {
  const redisDir = join(dataDir, 'redis');
  const file = join(redisDir, 'streamctl-redis.json');
  const traces: EmbeddedRedisTraces = { dataDir, redisDir: existsSync(redisDir) };
  if (!existsSync(file)) return traces;
  try {
    const { port } = JSON.parse(readFileSync(file, 'utf8')) as { port: unknown };
    traces.runFile = Number.isInteger(port) ? { port: port as number } : 'unreadable';
  } catch {
    traces.runFile = 'unreadable';
  }
  return traces;
}

/**
 * Which Redis `check consistency` reads: --redis-url (REDIS_URL), else the embedded Redis of the
 * data directory's serve. A data directory whose serve ran an embedded Redis that is not running
 * now (serve stopped) is a peer that cannot be reached, exit 2 with a could_not_check document,
 * because starting serve again makes the same command work; only when nothing names any Redis is
 * it a usage error (exit 64): no state of the world fixes a missing flag.
 */
export function chooseConsistencyRedis(redisUrl: string | undefined, traces: EmbeddedRedisTraces): string {
  if (redisUrl) return redisUrl;
  if (traces.runFile && traces.runFile !== 'unreadable') return `redis://127.0.0.1:${traces.runFile.port}`;
  if (traces.runFile === 'unreadable' || traces.redisDir) {
    throw new UnreachableError(
      `the embedded Redis of ${traces.dataDir} is not running (streamctl serve stopped?): no ledger or streams to check against`,
      `start \`streamctl serve --data-dir ${traces.dataDir}\` again, or pass --redis-url (REDIS_URL)`,
    );
  }
  throw new UsageError('no Redis to check against', 'pass --redis-url (or REDIS_URL); the ledger and streams live there');
}
