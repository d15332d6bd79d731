import { StreamctlError, errorMessage } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-code.js';
import { couldNotCheckDocument } from '../consistency/document.js';
import { consistencyOptionsFromQuery } from '../consistency/query.js';
import { runConsistencyCheck, type ConsistencyOptions } from '../consistency/run.js';
import type { ConsistencyDatabase } from '../consistency/ports.js';
import type { BatchQueueFacts } from '../consistency/batch-queue.js';
import { redactUrl } from '../../shared/redact.js';
import { redactRedisUrl } from '../../shared/redis-url.js';
import { isMysqlUrl } from '../../shared/mysql-session.js';
import { openMysqlConsistency } from './mysql-consistency.js';
import { openPostgresConsistency } from './postgres-consistency.js';
import { connectRedisConsistency } from './redis-consistency.js';
import { openSqliteConsistency } from './sqlite-consistency.js';

export async function openConsistencyDatabase(location: string): Promise<ConsistencyDatabase> {
  if (isMysqlUrl(location)) return openMysqlConsistency(location);
  return /^postgres(ql)?:\/\//.test(location) ? openPostgresConsistency(location) : openSqliteConsistency(location);
}

/**
 * `GET /api/consistency` for `streamctl serve` (ServiceHooks.consistency): each call opens its own
 * read-only database handle and Redis connection, so a slow check never blocks ingest's
 * connections, and closes them after. 200 with the document for every verdict it could reach;
 * 503 with a could_not_check document; 400 for a bad query. `allowEviction` is serve's own
 * --allow-eviction: with it an evicting policy warns in the document instead of making it inconclusive.
 */
export function createConsistencyEndpoint(deps: { redisUrl: string; database: string; allowEviction?: boolean; batchQueue?: () => BatchQueueFacts }) {
  return {
    async run(query: URLSearchParams): Promise<{ status: number; body: unknown }> {
      let options: ConsistencyOptions;
      try {
        options = consistencyOptionsFromQuery(query);
      } catch (error) {
        return { status: 400, body: { status: 'error', message: errorMessage(error) } };
      }
      const sources = { database: deps.database.startsWith('postgres') || isMysqlUrl(deps.database) ? redactUrl(deps.database) : `sqlite:${deps.database}`, redis: redactRedisUrl(deps.redisUrl) };
      let database: ConsistencyDatabase | undefined;
      let redis: Awaited<ReturnType<typeof connectRedisConsistency>> | undefined;
      try {
        database = await openConsistencyDatabase(deps.database);
        redis = await connectRedisConsistency(deps.redisUrl);
        const queue = deps.batchQueue;
        const doc = await runConsistencyCheck({ redis, database, ...(queue ? { batchQueue: async () => queue() } : {}) }, { ...options, allowEviction: deps.allowEviction ?? false });
        return { status: doc.verdict === 'could_not_check' ? 503 : 200, body: doc };
      } catch (error) {
        if (error instanceof StreamctlError && error.exitCode === ExitCode.Usage) return { status: 400, body: { status: 'error', message: error.message } };
        const hint = error instanceof StreamctlError ? error.hint : undefined;
        return { status: 503, body: couldNotCheckDocument({ message: errorMessage(error), ...(hint ? { hint } : {}) }, { strict: options.strict ?? false, sources, nowMs: Date.now() }) };
      } finally {
        await redis?.close();
        await database?.close();
      }
    },
  };
}
