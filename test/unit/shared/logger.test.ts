import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';
import { isRedisClientError, plainRedisError } from '../../../src/shared/redis-errors.js';
import { errorMessage } from '../../../src/shared/errors.js';

describe('logger', () => {
  it("words an error field in plain terms when told how (serve: the Redis client's internals)", () => {
    const lines: string[] = [];
    const logger = createLogger({
      write: (line) => lines.push(line),
      now: () => Date.parse('2026-11-29T22:00:00Z'),
      describeError: (error) => (isRedisClientError(error) ? plainRedisError(error, 'redis://:secret@127.0.0.1:6379') : errorMessage(error)),
    });
    logger.warn('stream path failed', { error: "Stream isn't writeable and enableOfflineQueue options is false" });
    logger.warn('batch write failed', { error: new Error('SQLITE_BUSY: database is locked') });
    expect(lines[0]).toContain('not connected to Redis at redis://:***@127.0.0.1:6379');
    expect(lines[0]).not.toContain('enableOfflineQueue');
    expect(lines[0]).not.toContain('secret');
    expect(lines[1]).toContain('SQLITE_BUSY: database is locked');
  });

  it('keeps an error field as given without a describer, and throttles repeats', () => {
    const lines: string[] = [];
    let now = 0;
    const logger = createLogger({ write: (line) => lines.push(line), now: () => now });
    logger.throttled('k', 1_000, 'warn', 'again', { error: 'x y' });
    logger.throttled('k', 1_000, 'warn', 'again', { error: 'x y' });
    now = 2_000;
    logger.throttled('k', 1_000, 'warn', 'again', { error: 'x y' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('error="x y"');
    expect(lines[1]).toContain('repeated=1');
  });
});
