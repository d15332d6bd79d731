import type { Redis } from 'ioredis';

/**
 * `redis://host:port[/db]` of a connection, for messages: built from the client's options, which
 * hold no password in the text (an embedded Redis has no URL of its own). Pure over the options.
 */
export function redisDisplay(redis: Pick<Redis, 'options'>): string {
  const o = redis.options;
  const host = (o.host ?? '127.0.0.1').includes(':') ? `[${o.host}]` : o.host ?? '127.0.0.1';
  return `${o.tls ? 'rediss' : 'redis'}://${host}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`;
}
