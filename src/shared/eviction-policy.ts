/**
 * Redis key eviction, and why streamctl accepts only `noeviction` (Redis docs, "Key eviction").
 *
 * Once used memory reaches `maxmemory`, every policy but `noeviction` deletes keys to make room:
 * `allkeys-*` may delete `health_data_stream` (uploads answered 200 and not yet persisted), its
 * consumer group, the acceptance ledger and `streamctl:ratio`; `volatile-*` may delete every
 * ledger key (they carry a 31-day TTL, shared/ledger-keys.ts). A consistency check reading such
 * a Redis finds "nothing accepted, nothing persisted", which compares equal. Under `noeviction`
 * a write past `maxmemory` fails with an OOM error instead: the upload is answered with an error
 * (or falls back to the batch path), never accepted and then dropped.
 *
 * Kept in shared/ because both `serve` (runtime) and `check consistency` (checks) decide with it,
 * and checks never import the runtime.
 */
export const SAFE_EVICTION_POLICY = 'noeviction';

/** The flag that lets either command run on a Redis that may evict. */
export const ALLOW_EVICTION_FLAG = '--allow-eviction';

/** What Redis said about eviction; every field is null when Redis would not tell. */
export interface EvictionFacts {
  /** `maxmemory-policy`, e.g. `noeviction`, `allkeys-lru`; null when neither CONFIG nor INFO answered it. */
  policy: string | null;
  /** Where the policy came from: `CONFIG GET`, or `INFO memory` when CONFIG is disabled or renamed. */
  source: 'config' | 'info' | null;
  /** Why the policy is unknown (both errors), only when `policy` is null. */
  unreadable?: string;
  /**
   * `INFO stats` `evicted_keys`: keys evicted since the server started or since `CONFIG
   * RESETSTAT`, whatever the policy is now. Null when INFO did not answer.
   */
  evictedKeys: number | null;
  /**
   * When the Redis server started (its TIME minus `INFO server` `uptime_in_seconds`), in ms; null
   * when it did not say. A start inside a judged window means the ledger may have lost counts.
   */
  startedAtMs?: number | null;
}

/** One Redis command, arguments as strings; resolves with the raw reply, rejects with the error reply. */
export type RedisCall = (command: string, ...args: string[]) => Promise<unknown>;

/**
 * `CONFIG GET maxmemory-policy` -> the value. RESP2 answers a flat `[name, value]` list, RESP3
 * a map; an empty list means the server has no such parameter. Undefined when not found.
 */
export function policyFromConfigReply(reply: unknown): string | undefined {
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]).toLowerCase() === 'maxmemory-policy') return String(reply[i + 1]);
    return undefined;
  }
  if (reply instanceof Map) {
    const value = reply.get('maxmemory-policy');
    return value === undefined ? undefined : String(value);
  }
  if (reply && typeof reply === 'object' && 'maxmemory-policy' in reply) return String((reply as Record<string, unknown>)['maxmemory-policy']);
  return undefined;
}

/** A `name:value` line of an INFO reply (`maxmemory_policy:noeviction\r\n`); undefined when absent. */
export function infoField(text: string, field: string): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon) === field) return line.slice(colon + 1).trim();
  }
  return undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Reads the policy (CONFIG GET, then INFO memory when CONFIG is disabled, renamed or refused by an
 * ACL) and the eviction counter (INFO stats). Never throws for a refused command: an unknown
 * value is null, and the caller decides what unknown means. A connection error still rejects.
 */
export async function readEvictionFacts(call: RedisCall): Promise<EvictionFacts> {
  let policy: string | undefined;
  let source: EvictionFacts['source'] = null;
  const errors: string[] = [];
  try {
    policy = policyFromConfigReply(await call('CONFIG', 'GET', 'maxmemory-policy'));
    if (policy !== undefined) source = 'config';
    else errors.push('CONFIG GET maxmemory-policy: no such parameter');
  } catch (error) {
    if (isConnectionError(error)) throw error;
    errors.push(`CONFIG GET: ${message(error)}`);
  }
  if (policy === undefined) {
    try {
      policy = infoField(String(await call('INFO', 'memory')), 'maxmemory_policy');
      if (policy !== undefined) source = 'info';
      else errors.push('INFO memory: no maxmemory_policy line');
    } catch (error) {
      if (isConnectionError(error)) throw error;
      errors.push(`INFO memory: ${message(error)}`);
    }
  }
  let evictedKeys: number | null = null;
  try {
    const value = Number(infoField(String(await call('INFO', 'stats')), 'evicted_keys'));
    evictedKeys = Number.isInteger(value) && value >= 0 ? value : null;
  } catch (error) {
    if (isConnectionError(error)) throw error;
  }
  let startedAtMs: number | null = null;
  try {
    const uptime = Number(infoField(String(await call('INFO', 'server')), 'uptime_in_seconds'));
    const time = (await call('TIME')) as [string, string];
    const nowMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    if (Number.isFinite(uptime) && uptime >= 0 && Number.isFinite(nowMs)) startedAtMs = nowMs - uptime * 1000;
  } catch (error) {
    if (isConnectionError(error)) throw error;
  }
  return policy === undefined
    ? { policy: null, source: null, unreadable: errors.join('; '), evictedKeys, startedAtMs }
    : { policy, source, evictedKeys, startedAtMs };
}

/**
 * An error reply starts with its upper-case code (`ERR unknown command`, `NOPERM`): Redis answered,
 * the value is only unknown. Anything else (`Connection is closed.`) is no answer at all.
 */
function isConnectionError(error: unknown): boolean {
  return !/^[A-Z]+ /.test(message(error));
}

export type EvictionDecision =
  /** noeviction: go on. */
  | { action: 'proceed' }
  /** Anything else, or unknown, without the override: exit 64, `hint` is the fix in one line. */
  | { action: 'refuse'; message: string; hint: string }
  /** Anything else, or unknown, with the override: go on, and say `warning` loudly. */
  | { action: 'warn'; warning: string };

/**
 * The start-up rule of `serve` and `check consistency`: only `noeviction` proceeds; an unknown
 * policy is treated like an evicting one (it may be one). `redis` names the server without its
 * password (it is printed), e.g. `redis://10.0.0.7:6379`.
 */
export function decideEviction(facts: EvictionFacts, allowEviction: boolean, redis: string): EvictionDecision {
  if (facts.policy === SAFE_EVICTION_POLICY) return { action: 'proceed' };
  const what = facts.policy === null
    ? `cannot read maxmemory-policy of Redis at ${redis} (${facts.unreadable ?? 'no answer'}), so it may evict keys`
    : `Redis at ${redis} has maxmemory-policy ${facts.policy}: when it reaches maxmemory it deletes keys`;
  const consequence = 'accepted uploads still in the streams, the acceptance ledger and the traffic ratio can vanish, and check consistency would not see them go';
  if (allowEviction) return { action: 'warn', warning: `${what}; ${consequence} (running anyway: ${ALLOW_EVICTION_FLAG})` };
  return {
    action: 'refuse',
    message: `${what}; ${consequence}`,
    hint: `fix: redis-cli -u ${redis} CONFIG SET maxmemory-policy noeviction (and "maxmemory-policy noeviction" in redis.conf to keep it), or pass ${ALLOW_EVICTION_FLAG} to accept the risk`,
  };
}
