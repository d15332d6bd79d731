import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsistencyEndpoint, openConsistencyDatabase } from '../../../src/checks/adapters/consistency-endpoint.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';
import { runConsistencyCheck, type ConsistencyOptions } from '../../../src/checks/consistency/run.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

let postgres: TestPostgres;
let service: TestService;
let db: pg.Client;
let redis: Redis;

beforeAll(async () => {
  postgres = await startTestPostgres();
  // Ratio 0: the legacy endpoints take the batch path (optimized), the v2 ones the stream path.
  service = await startTestService({ database: postgres.url, ratio: 0, maxDeliveries: 2, claimIdleMs: 500 }, { consistency: createConsistencyEndpoint });
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

async function rows<T = Record<string, any>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

/** Rows of these devices once there are `expected` of them. */
async function rowsOf(table: string, devices: string[], expected: number): Promise<Array<Record<string, any>>> {
  const found = await eventually(async () => {
    const list = await rows(`SELECT * FROM ${table} WHERE device_sn = ANY($1) ORDER BY device_sn`, devices);
    return list.length === expected ? list : undefined;
  });
  return found!;
}

const DEVICE_TIME = 1764000000;
const DEVICE_ISO = '2025-11-24T16:00:00.000Z';

const MATES = ['PGS_MATE_1', 'PGS_MATE_2', 'PGS_MATE_3'];

function fieldsOf(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** Stream ids of what the stream path accepted, by device. */
const accepted = new Map<string, string>();

/** A window that holds everything this file sends, judged with no grace: the test never waits minutes. */
function judgeNow(): ConsistencyOptions {
  return { atMs: Date.now() + 60_000, graceMs: 0, windowMs: 10 * 60_000 };
}

async function check(options: ConsistencyOptions): Promise<ConsistencyDocument> {
  const database = await openConsistencyDatabase(postgres.url);
  const consistencyRedis = await connectRedisConsistency(service.redisUrl);
  try {
    return await runConsistencyCheck({ database, redis: consistencyRedis }, options);
  } finally {
    await consistencyRedis.close();
    await database.close();
  }
}

function notOk(doc: ConsistencyDocument) {
  return doc.checks.filter((c) => c.status !== 'ok').map((c) => ({ id: c.id, kind: c.kind, path: c.path, status: c.status }));
}

describe('streamctl serve --database postgres://', () => {
  it('persists uploads of all three kinds from the v2 and the legacy endpoints, with their upload_method', async () => {
    const uploads: Array<[string, unknown]> = [
      ['/upload_health_data_v2', { data: { deviceSn: 'PGS_H_V2', heart_rate: 72, blood_oxygen: 98, body_temperature: 36.6, step: 1200, latitude: 31.2304, timestamp: DEVICE_TIME } }],
      ['/upload_device_info_v2', { SerialNumber: 'PGS_D_V2', battery: 81, firmware: '2.1.0' }],
      ['/upload_common_event_v2', { deviceSn: 'PGS_E_V2', eventType: 'fall_detected', level: 3, timestamp: DEVICE_TIME }],
      ['/upload_health_data', { data: { deviceSn: 'PGS_H_LEGACY', heart_rate: 65, blood_oxygen: 97, body_temperature: 36.4, step: 10, timestamp: DEVICE_TIME } }],
      ['/upload_device_info', { SerialNumber: 'PGS_D_LEGACY', battery: 40, firmware: '1.9.3' }],
      ['/upload_common_event', { deviceSn: 'PGS_E_LEGACY', eventType: 'sos', level: 5, timestamp: DEVICE_TIME }],
    ];
    for (const [path, body] of uploads) {
      const response = await service.post(path, body);
      expect(response.status, path).toBe(200);
      if (path.endsWith('_v2')) {
        expect(response.json.status).toBe('accepted');
        // Health readings are the body's `data` member; device info and events are the body.
        const reading = ((body as { data?: unknown }).data ?? body) as { deviceSn?: string; SerialNumber?: string };
        const device = reading.deviceSn ?? reading.SerialNumber!;
        accepted.set(device, response.json.stream_id);
      } else {
        expect(response.headers.get('x-streamctl-path')).toBe('traditional');
        expect(response.json.status).toBe('success');
      }
    }

    const health = await rowsOf('user_health_data', ['PGS_H_V2', 'PGS_H_LEGACY'], 2);
    expect(health).toEqual([
      expect.objectContaining({ device_sn: 'PGS_H_LEGACY', upload_method: 'optimized', heart_rate: 65, blood_oxygen: 97, temperature: 36.4, step: 10, timestamp: DEVICE_ISO }),
      expect.objectContaining({ device_sn: 'PGS_H_V2', upload_method: 'stream_v2', heart_rate: 72, blood_oxygen: 98, temperature: 36.6, step: 1200, latitude: 31.2304, timestamp: DEVICE_ISO }),
    ]);
    for (const row of health) {
      expect(row.create_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(Date.parse(row.create_time)).toBeGreaterThan(Date.now() - 60_000);
      expect(row.ingest_id).toMatch(/:0$/);
    }

    const info = await rowsOf('user_device_info', ['PGS_D_V2', 'PGS_D_LEGACY'], 2);
    expect(info.map((r) => [r.device_sn, r.upload_method, JSON.parse(r.payload)])).toEqual([
      ['PGS_D_LEGACY', 'optimized', { SerialNumber: 'PGS_D_LEGACY', battery: 40, firmware: '1.9.3' }],
      ['PGS_D_V2', 'stream_v2', { SerialNumber: 'PGS_D_V2', battery: 81, firmware: '2.1.0' }],
    ]);

    const events = await rowsOf('user_common_event', ['PGS_E_V2', 'PGS_E_LEGACY'], 2);
    expect(events.map((r) => [r.device_sn, r.upload_method, r.event_type, r.timestamp])).toEqual([
      ['PGS_E_LEGACY', 'optimized', 'sos', DEVICE_ISO],
      ['PGS_E_V2', 'stream_v2', 'fall_detected', DEVICE_ISO],
    ]);
  });

  it('judges the data consistent, directly and through GET /api/consistency', async () => {
    const doc = await check(judgeNow());
    expect(doc.sources.database).toBe(postgres.url.replace('postgres@', ''));
    expect(notOk(doc)).toEqual([]);
    expect(doc).toMatchObject({ verdict: 'consistent', exit_code: 0 });
    expect(doc.paths).toEqual({
      stream_v2: { health_data: { accepted: 1, persisted: 1 }, device_info: { accepted: 1, persisted: 1 }, common_event: { accepted: 1, persisted: 1 } },
      optimized: { health_data: { accepted: 1, persisted: 1 }, device_info: { accepted: 1, persisted: 1 }, common_event: { accepted: 1, persisted: 1 } },
    });

    // The service's own clock, no grace: the window ends at the start of this minute.
    const plain = await service.get('/api/consistency?window=10m&grace=0s');
    expect(plain.status).toBe(200);
    expect(plain.json).toMatchObject({ schema: 'streamctl.consistency/v1', clock: 'service', verdict: 'consistent', exit_code: 0 });
    expect(plain.json.sources.database).toBe(postgres.url.replace('postgres@', ''));
    expect(plain.json.window.length_ms).toBe(10 * 60_000);

    const windowed = await service.get(`/api/consistency?window=10m&grace=0s&at=${encodeURIComponent(new Date(judgeNow().atMs!).toISOString())}`);
    expect(windowed.status).toBe(200);
    expect(windowed.json.verdict).toBe('consistent');
    expect(windowed.json.paths).toEqual(doc.paths);
  });

  it('names the record whose row was deleted behind the service\'s back, and is consistent again once it is back', async () => {
    const streamId = accepted.get('PGS_D_V2')!;
    const [victim] = await rows("DELETE FROM user_device_info WHERE device_sn = 'PGS_D_V2' AND upload_method = 'stream_v2' RETURNING *");
    expect(victim).toBeDefined();

    const doc = await check(judgeNow());
    expect(doc).toMatchObject({ verdict: 'inconsistent', exit_code: 1 });
    const lost = doc.checks.find((c) => c.id === 'stream_entries_persisted' && c.kind === 'device_info')!;
    expect(lost.status).toBe('fail');
    expect(lost.samples).toEqual([expect.objectContaining({ stream_id: streamId, ingest_key: victim!.ingest_id.replace(/^[0-9a-f]{12}-/, '').replace(/:0$/, ''), absent_records: 1 })]);
    expect(doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.kind === 'device_info' && c.path === 'stream_v2')).toMatchObject({
      status: 'fail',
      observed: { accepted: 1, persisted: 0, missing: 1 },
    });
    // Nothing else is blamed.
    expect(notOk(doc)).toEqual([
      { id: 'accepted_vs_persisted', kind: 'device_info', path: 'stream_v2', status: 'fail' },
      { id: 'stream_entries_persisted', kind: 'device_info', path: undefined, status: 'fail' },
    ]);
    const viaService = await service.get(`/api/consistency?window=10m&grace=0s&at=${encodeURIComponent(new Date(judgeNow().atMs!).toISOString())}`);
    expect(viaService.status).toBe(200);
    expect(viaService.json.verdict).toBe('inconsistent');

    const { id: _id, ...columns } = victim!;
    const names = Object.keys(columns);
    await db.query(`INSERT INTO user_device_info (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, Object.values(columns));
    expect((await check(judgeNow())).verdict).toBe('consistent');
  });

  it('dead-letters a record PostgreSQL refuses after --max-deliveries, and persists its batch-mates', async () => {
    // Halt the consumers so the poison and its mates are read by one XREADGROUP: one batch.
    await service.context.consumers.stop();
    const send = async (deviceSn: string, extra: Record<string, unknown> = {}) => {
      const response = await service.post('/upload_health_data_v2', { data: { deviceSn, heart_rate: 70, timestamp: DEVICE_TIME + 60, ...extra } });
      expect(response.status).toBe(200);
      accepted.set(deviceSn, response.json.stream_id);
    };
    await send(MATES[0]!);
    // Valid JSON, accepted at ingest; PostgreSQL refuses NUL in text (SQLSTATE 22021).
    await send('PGS_POISON', { sleepData: 'deep\u0000light' });
    await send(MATES[1]!);
    await send(MATES[2]!);
    await service.context.consumers.start();

    const poisonId = accepted.get('PGS_POISON')!;
    const letter = await eventually(async () => {
      const letters = (await redis.xrange('health_data_stream:dlq', '-', '+')) as Array<[string, string[]]>;
      return letters.map(([, fields]) => fieldsOf(fields)).find((f) => f.original_id === poisonId);
    });
    expect(letter).toMatchObject({ stream: 'health_data_stream', group: 'health_processors', deliveries: '2' });
    expect(letter!.reason).toMatch(/sink refused the record: .*0x00/);

    const persisted = await rowsOf('user_health_data', MATES, 3);
    expect(persisted.map((r) => [r.device_sn, r.upload_method, r.heart_rate])).toEqual(MATES.map((m) => [m, 'stream_v2', 70]));
    expect(await rows("SELECT 1 FROM user_health_data WHERE device_sn = 'PGS_POISON'")).toEqual([]);
    // Acked: nothing stays pending.
    await eventually(async () => Number(((await redis.xpending('health_data_stream', 'health_processors')) as [number])[0]) === 0);

    // The books still balance: 5 accepted on the stream path = 4 rows + 1 dead letter.
    const doc = await check(judgeNow());
    expect(doc.paths!.stream_v2.health_data).toEqual({ accepted: 5, persisted: 4 });
    expect(doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.kind === 'health_data' && c.path === 'stream_v2')).toMatchObject({
      status: 'ok',
      observed: { accepted: 5, persisted: 4, dead_lettered: 1, missing: 0 },
    });
    expect(doc.checks.find((c) => c.id === 'dead_letters' && c.kind === 'health_data')).toMatchObject({ status: 'warn', observed: { in_window_records: 1 } });
  });

  // The dead letter of a refused record carries the whole entry, so the check matches it to its
  // stream entry by uuid: dead-lettered, not lost.
  it('judges the data consistent after the dead letter: refused is dead-lettered, not lost', async () => {
    const doc = await check(judgeNow());
    expect(notOk(doc)).toEqual([{ id: 'dead_letters', kind: 'health_data', path: undefined, status: 'warn' }]);
    expect(doc).toMatchObject({ verdict: 'consistent', exit_code: 0 });
    const viaService = await service.get(`/api/consistency?window=10m&grace=0s&at=${encodeURIComponent(new Date(judgeNow().atMs!).toISOString())}`);
    expect(viaService.json.verdict).toBe('consistent');
  });
});
