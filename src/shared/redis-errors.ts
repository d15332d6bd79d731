import { errorMessage } from './errors.js';
import { redactRedisUrl } from './redis-url.js';

/**
 * ioredis's own words, as they reached users before issue 11 (`ratio not changed: Redis is
 * unavailable (Reached the max retries per request limit (which is 20). Refer to
 * "maxRetriesPerRequest" option for details.)`), each with what it means in plain words. The
 * first match wins. Sources: ioredis 5 errors (MaxRetriesPerRequestError, "Connection is
 * closed.", "Stream isn't writeable and enableOfflineQueue options is false", "Command timed
 * out"), Node's socket error codes, and Redis's reply prefixes (LOADING, OOM, READONLY, NOAUTH...).
 */
const PLAIN: ReadonlyArray<[RegExp, (redis: string) => string]> = [
  [/max retries per request limit/i, (r) => `Redis at ${r} does not answer (down or unreachable); the command was given up`],
  [/Connection is closed/i, (r) => `the connection to Redis at ${r} is closed (Redis stopped or restarted?)`],
  [/Stream isn't writeable|enableOfflineQueue/i, (r) => `not connected to Redis at ${r} (it is down or the connection is being re-made)`],
  [/ECONNREFUSED/, (r) => `Redis at ${r} refuses connections (is redis-server running on that host and port?)`],
  [/ENOTFOUND|EAI_AGAIN/, (r) => `the host of Redis ${r} is not known (DNS)`],
  [/ETIMEDOUT|Command timed out|connect timeout/i, (r) => `Redis at ${r} did not answer in time`],
  [/ECONNRESET|EPIPE|socket hang up/i, (r) => `Redis at ${r} closed the connection`],
  [/EHOSTUNREACH|ENETUNREACH/, (r) => `Redis at ${r} cannot be reached (no route to host)`],
  [/^LOADING/, (r) => `Redis at ${r} is loading its data set; try again in a moment`],
  [/^READONLY/, (r) => `Redis at ${r} is a read-only replica: point at the primary`],
];

/** Redis error replies start with an upper-case code (`ERR`, `WRONGTYPE`, `NOAUTH`, `OOM`...). */
const REPLY = /^[A-Z][A-Z_]{2,}\b/;

/** The first line, without a leading `ReplyError: ` / `Error: ` and without stack frames. */
function firstLine(message: string): string {
  const line = message.split('\n').map((l) => l.trim()).find((l) => l.length > 0 && !l.startsWith('at ')) ?? '';
  return line.replace(/^(?:[A-Za-z]*Error|Error):\s*/, '');
}

/**
 * True for errors of the ioredis client or the socket under it, as opposed to ours: these are the
 * ones whose text means nothing to an operator. Pure.
 */
export function isRedisClientError(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  if (name === 'ReplyError' || name === 'MaxRetriesPerRequestError' || name === 'AbortError') return true;
  const message = errorMessage(error);
  return PLAIN.some(([pattern]) => pattern.test(firstLine(message)) || pattern.test(message));
}

/**
 * A Redis failure in plain words naming the Redis (`redis` is a URL or host:port; any password in
 * it is shown as `***`): `Redis at redis://:***@cache:6379 does not answer (down or unreachable);
 * the command was given up`. A reply of the server (`WRONGTYPE ...`) is quoted after
 * `Redis at <url> answered:`; anything else is its first line after `Redis at <url>:`, never a
 * stack. Pure.
 */
export function plainRedisError(error: unknown, redis: string): string {
  const where = redactRedisUrl(redis);
  const message = errorMessage(error);
  const line = firstLine(message);
  for (const [pattern, plain] of PLAIN) if (pattern.test(line) || pattern.test(message)) return plain(where);
  if (REPLY.test(line)) return `Redis at ${where} answered: ${line}`;
  return `Redis at ${where}: ${line}`;
}
