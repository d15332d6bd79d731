import { Redis, type RedisOptions } from 'ioredis';
import { UnreachableError, errorMessage } from '../shared/errors.js';
import { ioredisEndpointOptions, isPermanentRedisError, type RedisEndpoint } from '../shared/redis-url.js';
import { plainRedisError } from '../shared/redis-errors.js';

const BASE: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 2_000,
  // Reconnect forever with a ceiling of 2 s: an outage must heal by itself without a restart.
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
};

/** Every ioredis connection of the runtime: the one parsed URL (shared/redis-url.ts), then its own settings. */
function connection(endpoint: RedisEndpoint, options: RedisOptions): Redis {
  return new Redis({ ...ioredisEndpointOptions(endpoint), ...BASE, ...options });
}

/**
 * The shared command connection. Auto-pipelining turns the XADDs of one event-loop tick into a
 * single write. No offline queue: while Redis is away a command fails at once, so the circuit
 * breaker can send the upload to the traditional path instead of letting it wait.
 */
export function commandConnection(endpoint: RedisEndpoint, name = 'streamctl-command'): Redis {
  return connection(endpoint, { connectionName: name, enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}

/** One per blocking reader: a BLOCK on a shared connection stalls every command behind it (ioredis #984). */
export function blockingConnection(endpoint: RedisEndpoint, name: string): Redis {
  return connection(endpoint, { connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}

export function subscriberConnection(endpoint: RedisEndpoint, name = 'streamctl-subscriber'): Redis {
  return connection(endpoint, { connectionName: name, maxRetriesPerRequest: null });
}

/**
 * How long start-up waits for a Redis that does not answer (refused, silent, name not resolving):
 * long enough for a Redis started beside serve (systemd, compose) to come up, short enough that a
 * wrong host is an error instead of a silent hang. A Redis that answers "LOADING" is up and
 * loading its data set; it is waited for as long as it keeps saying so.
 */
export const REDIS_START_WAIT_MS = 30_000;

/**
 * Waits until Redis answers PING. Rejects with UnreachableError (exit 2) naming `endpoint.display`
 * (password as ***): at once when Redis refuses the URL's credentials or database (waiting cannot
 * help), or once `waitMs` passed without an answer. `onWait` sees every failed attempt.
 */
export async function connectWhenReady(
  redis: Redis,
  endpoint: RedisEndpoint,
  onWait: (attempt: number, error: unknown) => void,
  options: { signal?: AbortSignal; waitMs?: number } = {},
): Promise<void> {
  const waitMs = options.waitMs ?? REDIS_START_WAIT_MS;
  // ioredis reports AUTH and SELECT failures as connection 'error' events, not as a rejection of
  // connect(); the last one says why PING then fails with NOAUTH or is never sent.
  let lastEvent: unknown;
  const onError = (error: unknown) => (lastEvent = error);
  redis.on('error', onError);
  let deadline = Date.now() + waitMs;
  try {
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw new Error('aborted while waiting for Redis');
      lastEvent = undefined;
      try {
        if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
        else if (redis.status !== 'ready') await new Promise<void>((resolve, reject) => {
          const onReady = () => { clearTimeout(timer); resolve(); };
          // Removed again on timeout: one listener per attempt would pile up (MaxListenersExceededWarning).
          const timer = setTimeout(() => { redis.off('ready', onReady); reject(new Error(`still ${redis.status}`)); }, 2_000);
          redis.once('ready', onReady);
        });
        await redis.ping();
        return;
      } catch (error) {
        // The event says why ("WRONGPASS ..."), where connect() only says "Connection is closed."
        // and PING then "NOAUTH": the cause first.
        const messages = lastEvent === undefined ? [errorMessage(error)] : [errorMessage(lastEvent), errorMessage(error)];
        const refusal = messages.find(isPermanentRedisError);
        if (refusal) {
          throw new UnreachableError(`Redis at ${endpoint.display} refused the connection: ${refusal}`, 'check the user name, password and database number in --redis-url (REDIS_URL)');
        }
        const reason = messages[0]!;
        // Redis is up and loading its data set: it answers, so the wait is not for a silent peer.
        if (/LOADING/.test(reason)) deadline = Math.max(deadline, Date.now() + waitMs);
        if (Date.now() >= deadline) {
          // The plain words (redis-errors.ts), not ioredis's "Connection is closed.": the cause first.
          throw new UnreachableError(`${plainRedisError(lastEvent ?? error, endpoint.display)}; waited ${Math.round(waitMs / 1_000)} s`, 'check the host and port in --redis-url (REDIS_URL), and that redis-server runs');
        }
        onWait(attempt, error);
        await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000, Math.max(0, deadline - Date.now()))));
      }
    }
  } finally {
    redis.off('error', onError);
  }
}
