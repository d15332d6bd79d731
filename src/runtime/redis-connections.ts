import { Redis, type RedisOptions } from 'ioredis';

const BASE: RedisOptions = {
  lazyConnect: true,
  connectTimeout: 2_000,
  // Reconnect forever with a ceiling of 2 s: an outage must heal by itself without a restart.
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
};

/**
 * The shared command connection. Auto-pipelining turns the XADDs of one event-loop tick into a
 * single write. No offline queue: while Redis is away a command fails at once, so the circuit
 * breaker can send the upload to the traditional path instead of letting it wait.
 */
export function commandConnection(url: string, name = 'streamctl-command'): Redis {
  return new Redis(url, { ...BASE, connectionName: name, enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}

/** One per blocking reader: a BLOCK on a shared connection stalls every command behind it (ioredis #984). */
export function blockingConnection(url: string, name: string): Redis {
  return new Redis(url, { ...BASE, connectionName: name, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}

export function subscriberConnection(url: string, name = 'streamctl-subscriber'): Redis {
  return new Redis(url, { ...BASE, connectionName: name, maxRetriesPerRequest: null });
}

/** Waits until Redis answers, however long that takes; start-up must not die because Redis is late. */
export async function connectWhenReady(redis: Redis, onWait: (attempt: number, error: unknown) => void, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new Error('aborted while waiting for Redis');
    try {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      else if (redis.status !== 'ready') await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`still ${redis.status}`)), 2_000);
        redis.once('ready', () => { clearTimeout(timer); resolve(); });
      });
      await redis.ping();
      return;
    } catch (error) {
      onWait(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
    }
  }
}
