import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsistencyDatabase } from '../../../src/checks/adapters/consistency-endpoint.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';
import { runConsistencyCheck } from '../../../src/checks/consistency/run.js';
import { appendBatch, emptyBatch } from '../../../src/runtime/records/rows.js';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { spillDir } from '../../../src/runtime/spill-file.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

/**
 * Issue 10, kind 3, as reported: PostgreSQL sink, ratio 0, a legacy upload with
 * `"sleepData":"deep\u0000light"` between good ones. PostgreSQL text cannot hold NUL (SQLSTATE
 * 22021). Before: answered 200, then nothing on the batch path was ever stored again, the queue
 * grew, health said healthy, and the spill file failed again at every start.
 */

let postgres: TestPostgres;
let service: TestService;
let db: pg.Client;
let redis: Redis;

beforeAll(async () => {
  postgres = await startTestPostgres();
  // Five uploads fill one batch, so the refused record has batch-mates on both sides.
  service = await startTestService({ database: postgres.url, ratio: 0, batchSize: 5, flushIntervalMs: 60_000 });
  db = new pg.Client(postgres.url);
  await db.connect();
  redis = new Redis(service.redisUrl);
});

afterAll(async () => {
  redis?.disconnect();
  await db?.end();
  await service?.cleanup();
  await postgres?.stop();
});

async function devices(pattern: string): Promise<Array<{ device_sn: string; upload_method: string; sleep: string | null }>> {
  return (await db.query('SELECT device_sn, upload_method, sleep FROM user_health_data WHERE device_sn LIKE $1 ORDER BY device_sn', [pattern])).rows;
}

async function send(deviceSn: string, extra: Record<string, unknown> = {}): Promise<void> {
  const response = await service.post('/upload_health_data', { data: { deviceSn, heart_rate: 72, timestamp: 1764000000, ...extra } });
  expect(response.status).toBe(200);
  expect(response.json.status).toBe('success');
}

async function check(): Promise<ConsistencyDocument> {
  const database = await openConsistencyDatabase(postgres.url);
  const consistencyRedis = await connectRedisConsistency(service.redisUrl);
  try {
    return await runConsistencyCheck({ database, redis: consistencyRedis }, { atMs: Date.now() + 60_000, graceMs: 0, windowMs: 10 * 60_000 });
  } finally {
    await consistencyRedis.close();
    await database.close();
  }
}

function accounted(doc: ConsistencyDocument) {
  return doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.kind === 'health_data' && c.path === 'optimized');
}

let letterId = '';

describe('the batch path on PostgreSQL with a NUL in a text field', () => {
  it('stores the batch-mates and every later upload, dead-letters the refused one with the reason, and stays healthy', async () => {
    await send('PGB_MATE_1');
    await send('PGB_NUL', { sleepData: 'deep\u0000light' });
    await send('PGB_MATE_2');
    await send('PGB_MATE_3');
    await send('PGB_MATE_4');
    await eventually(async () => (await devices('PGB_MATE_%')).length === 4);

    const letter = await eventually(async () => {
      const letters = (await redis.xrange('health_data_stream:dlq', '-', '+')) as Array<[string, string[]]>;
      return letters.find(([, fields]) => fields[fields.indexOf('device_sn') + 1] === 'PGB_NUL');
    });
    letterId = letter![0];
    const fields = letter![1];
    const field = (name: string) => fields[fields.indexOf(name) + 1];
    expect(field('consumer')).toBe('batch-path');
    expect(field('upload_method')).toBe('optimized');
    expect(field('reason')).toMatch(/^sink refused the record: .*0x00/);
    // Kept intact: the dead letter holds the reading exactly as it was sent, NUL included.
    expect(JSON.parse(field('payload')!).data.sleepData).toBe('deep\u0000light');

    for (let i = 1; i <= 5; i++) await send(`PGB_LATER_${i}`);
    await eventually(async () => (await devices('PGB_LATER_%')).length === 5);
    const health = await service.get('/api/stream_health');
    expect(health.json).toMatchObject({ status: 'healthy', problems: [], traditional_queue: { queued: 0, dead_lettered: 1 } });
  });

  it('judges the books balanced: the refused record is dead-lettered on the batch path, not lost, and not the stream path\'s', async () => {
    const doc = await check();
    expect(accounted(doc)).toMatchObject({ status: 'ok', observed: { accepted: 10, persisted: 9, dead_lettered: 1, missing: 0 } });
    expect(doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.kind === 'health_data' && c.path === 'stream_v2')).toMatchObject({ status: 'ok', observed: { dead_lettered: 0, unexpected: 0 } });
    expect(doc.checks.find((c) => c.id === 'dead_letters' && c.kind === 'health_data')).toMatchObject({ status: 'warn', observed: { in_window_records: 1 } });
    expect(doc.verdict).toBe('consistent');
  });

  it('stores the record under the batch path after a patched replay, and the books still balance', async () => {
    const replay = await service.post('/api/dlq/replay', { stream: 'health_data_stream', ids: [letterId], patch: { sleepData: 'deep light' }, reason: 'NUL removed' });
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ replayed: 1, failed: [] });
    await eventually(async () => (await devices('PGB_NUL')).length === 1);
    expect(await devices('PGB_NUL')).toEqual([{ device_sn: 'PGB_NUL', upload_method: 'optimized', sleep: 'deep light' }]);
    const doc = await eventually(async () => {
      const found = await check();
      return accounted(found)?.status === 'ok' && (accounted(found)!.observed as { persisted: number }).persisted === 10 ? found : undefined;
    });
    expect(accounted(doc)).toMatchObject({ observed: { accepted: 10, persisted: 10, dead_lettered: 0, missing: 0 } });
    expect(doc.verdict).toBe('consistent');
  });
});

describe('a spill file with a NUL record, on PostgreSQL', () => {
  it('is written at start with the refused record set aside, instead of failing at every start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-pg-spill-'));
    try {
      // As the version before wrote it at a shutdown with the database down: a bare row batch.
      const legacy = emptyBatch();
      const acceptedAtMs = Date.now() - 30_000;
      for (const [deviceSn, sleepData] of [['PGS_SPILL_1', 'light'], ['PGS_SPILL_NUL', 'deep\u0000light'], ['PGS_SPILL_2', 'deep']] as const) {
        appendBatch(legacy, uploadToRows('health_data', { deviceSn, heart_rate: 60, sleepData }, { ingestKey: randomUUID(), acceptedAtMs, uploadMethod: 'optimized' }));
      }
      mkdirSync(spillDir(dataDir), { recursive: true });
      const file = join(spillDir(dataDir), 'batch-path-1-1.json');
      writeFileSync(file, JSON.stringify(legacy));

      const second = await startTestService({ database: postgres.url, dataDir, ratio: 0 });
      try {
        expect((await devices('PGS_SPILL_%')).map((r) => r.device_sn)).toEqual(['PGS_SPILL_1', 'PGS_SPILL_2']);
        expect(readdirSync(spillDir(dataDir)).filter((name) => name.endsWith('.json'))).toEqual([]);
        expect(existsSync(`${file}.refused`)).toBe(true);
        expect((await second.get('/api/stream_health')).json.status).toBe('healthy');
      } finally {
        await second.cleanup();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
