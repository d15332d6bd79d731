import { describe, expect, it } from 'vitest';
import { isRedisClientError, plainRedisError } from '../../../src/shared/redis-errors.js';

const URL = 'redis://app:hunter2@cache.internal:6380/2';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('plainRedisError (issue 11: ioredis internals leaked into messages)', () => {
  it('maps ioredis and socket errors to plain words naming the Redis without its password', () => {
    const cases: Array<[unknown, string]> = [
      [named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.'), 'Redis at redis://app:***@cache.internal:6380/2 does not answer (down or unreachable); the command was given up'],
      [new Error('Connection is closed.'), 'the connection to Redis at redis://app:***@cache.internal:6380/2 is closed (Redis stopped or restarted?)'],
      [new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'not connected to Redis at redis://app:***@cache.internal:6380/2 (it is down or the connection is being re-made)'],
      [new Error('connect ECONNREFUSED 10.0.0.9:6380'), 'Redis at redis://app:***@cache.internal:6380/2 refuses connections (is redis-server running on that host and port?)'],
      [new Error('getaddrinfo ENOTFOUND cache.internal'), 'the host of Redis redis://app:***@cache.internal:6380/2 is not known (DNS)'],
      [named('ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value'), 'Redis at redis://app:***@cache.internal:6380/2 answered: WRONGTYPE Operation against a key holding the wrong kind of value'],
      [named('ReplyError', 'LOADING Redis is loading the dataset in memory'), 'Redis at redis://app:***@cache.internal:6380/2 is loading its data set; try again in a moment'],
    ];
    for (const [error, text] of cases) expect(plainRedisError(error, URL)).toBe(text);
  });

  it('a stack-ish text keeps its first line only', () => {
    const text = 'ReplyError: ERR unknown command `XAUTOCLAIM`\n    at parseError (/app/node_modules/redis-parser/lib/parser.js:179:12)\n    at parseType (/app/node_modules/redis-parser/lib/parser.js:302:14)';
    expect(plainRedisError(new Error(text), 'redis://127.0.0.1:6379')).toBe('Redis at redis://127.0.0.1:6379 answered: ERR unknown command `XAUTOCLAIM`');
  });

  it('tells ioredis errors from ours', () => {
    expect(isRedisClientError(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisClientError(named('ReplyError', 'NOAUTH Authentication required.'))).toBe(true);
    expect(isRedisClientError('Reached the max retries per request limit (which is 20).')).toBe(true);
    expect(isRedisClientError(new Error('health_data_stream is a string, not a stream'))).toBe(false);
  });
});
