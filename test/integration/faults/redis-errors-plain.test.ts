import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { freePort } from '../../../src/shared/free-port.js';
import { runCli } from '../../helpers/cli.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestService, type TestService } from '../../helpers/service.js';

// Issue 11: ioredis internals leaked into messages ("Reached the max retries per request limit
// (which is 20). Refer to "maxRetriesPerRequest" option for details.", "Connection is closed.").
const IOREDIS_WORDS = /max retries|maxRetriesPerRequest|Connection is closed|enableOfflineQueue|Stream isn't writeable|ECONNREFUSED|\n\s+at /;

let redis: TestRedis | undefined;
let service: TestService | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await service?.cleanup();
  await redis?.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Redis failures in plain words', () => {
  it('serve: setting the ratio and reading the audit with Redis gone name the Redis, not ioredis', async () => {
    redis = await startTestRedis();
    service = await startTestService({ redisUrl: redis.url });
    await redis.stop();
    const set = await service.post('/api/stream_traffic_ratio', { ratio: 0.5 });
    expect(set.status).toBe(503);
    const message = String(set.json.message ?? set.json.error ?? JSON.stringify(set.json));
    expect(message).not.toMatch(IOREDIS_WORDS);
    expect(message).toContain(`Redis at redis://127.0.0.1:${redis.port}`);
    const audit = await service.get('/api/audit');
    expect(audit.status).toBe(503);
    expect(audit.text).not.toMatch(IOREDIS_WORDS);
    expect(audit.text).toContain(`redis://127.0.0.1:${redis.port}`);
    // A route that fails on Redis without its own message: 503, plain, not "internal error: Connection is closed."
    const dlq = await service.get('/api/dlq');
    expect(dlq.status).toBeGreaterThanOrEqual(500);
    expect(dlq.text).not.toMatch(IOREDIS_WORDS);
    console.log(`POST /api/stream_traffic_ratio -> ${set.status} ${JSON.stringify(set.json)}\nGET /api/audit -> ${audit.status} ${audit.text}\nGET /api/dlq -> ${dlq.status} ${dlq.text}`);
  });

  it('check consistency against a Redis that is not there: its URL without the password, in plain words', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-plain-'));
    dirs.push(dir);
    new Database(join(dir, 'none.db')).close(); // a database that opens: Redis is what fails
    const result = await runCli(['check', 'consistency', '--redis-url', `redis://:s3cret@127.0.0.1:${port}`, '--database', join(dir, 'none.db'), '--data-dir', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Redis at redis://:***@127.0.0.1:${port} refuses connections (is redis-server running on that host and port?)`);
    expect(result.stderr).not.toMatch(IOREDIS_WORDS);
    expect(result.stderr).not.toContain('s3cret');
  });
});
