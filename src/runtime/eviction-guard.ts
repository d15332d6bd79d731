import type { Redis } from 'ioredis';
import { UsageError } from '../shared/errors.js';
import { decideEviction, readEvictionFacts } from '../shared/eviction-policy.js';
import type { Logger } from '../shared/logger.js';
import { redactRedisUrl } from '../shared/redis-url.js';

/**
 * Serve's start-up refusal of a Redis that may evict keys (shared/eviction-policy.ts): reads
 * `maxmemory-policy` over the connected command connection and throws UsageError (exit 64, the fix
 * as its hint) unless it is `noeviction`. With `allowEviction` it logs the risk once at
 * `critical` and goes on. Rejects like any command when the connection fails meanwhile.
 */
export async function guardEvictionPolicy(connection: Redis, redisUrl: string, allowEviction: boolean, logger: Logger): Promise<void> {
  const facts = await readEvictionFacts((command, ...args) => connection.call(command, ...args));
  const decision = decideEviction(facts, allowEviction, redactRedisUrl(redisUrl));
  if (decision.action === 'refuse') throw new UsageError(decision.message, decision.hint);
  if (decision.action === 'warn') logger.critical(decision.warning, { policy: facts.policy, evicted_keys: facts.evictedKeys });
}
