import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spillDir } from '../../../src/runtime/spill-file.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestService, eventually } from '../../helpers/service.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-spill-'));
let redis: TestRedis | undefined;
afterAll(async () => {
  await redis?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a database that refuses writes at shutdown', () => {
  it('keeps the batch path records in a spill file and writes them at the next start', async () => {
    redis = await startTestRedis();
    const first = await startTestService({ redisUrl: redis.url, dataDir, ratio: 0, shutdownTimeoutMs: 1_000, flushIntervalMs: 100 });
    // The database "goes down": another connection holds its write lock past the shutdown
    // deadline. (A trigger that refuses rows is not an outage: those records are dead-lettered
    // alone, see batch-path-isolation.test.ts.)
    const admin = new Database(join(dataDir, 'streamctl.db'));
    admin.exec('BEGIN IMMEDIATE');
    for (let i = 0; i < 5; i++) {
      const response = await first.post('/upload_health_data', { data: { deviceSn: `SPILL_${i}`, heart_rate: 60 + i } });
      expect(response.json.status).toBe('success');
    }
    const { unflushed } = await first.close();
    expect(unflushed).toBe(0);
    expect(readdirSync(spillDir(dataDir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    admin.exec('ROLLBACK');
    admin.close();
    const second = await startTestService({ redisUrl: redis.url, dataDir, ratio: 0 });
    await eventually(() => second.count('user_health_data', "device_sn LIKE 'SPILL_%'") === 5);
    expect(readdirSync(spillDir(dataDir)).filter((f) => f.endsWith('.json'))).toHaveLength(0);
    await second.close();
  });
});
