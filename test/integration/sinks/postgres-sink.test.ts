import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSink } from '../../../src/runtime/sinks/postgres-sink.js';
import type { DeviceInfoRow, EventRow, HealthRow, RowBatch } from '../../../src/runtime/records/rows.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';

let server: TestPostgres;
let db: pg.Client;
const sinks: PostgresSink[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
  db = new pg.Client(server.url);
  db.on('error', () => undefined);
  await db.connect();
});

afterAll(async () => {
  for (const sink of sinks) await sink.close().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await server?.stop();
});

function newSink(url = server.url): PostgresSink {
  const sink = new PostgresSink(url);
  sinks.push(sink);
  return sink;
}

async function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

async function count(table: string): Promise<number> {
  return Number((await rows<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
}

const CREATED = '2025-11-24T16:00:05.123Z';

function health(key: string, overrides: Partial<HealthRow> = {}): HealthRow {
  return {
    ingest_id: `${key}:0`, device_sn: 'PG_SINK_1', timestamp: '2025-11-24T16:00:00.000Z', create_time: CREATED, upload_method: 'stream_v2',
    heart_rate: 72, blood_oxygen: 98, temperature: 36.6, pressure_high: 120, pressure_low: 80, stress: 31, step: 1234,
    distance: 0.85, calorie: 56.7, latitude: 31.230416, longitude: 121.473701, altitude: -12.5, sleep: '{"deep":120,"light":240}',
    ...overrides,
  };
}

function deviceInfo(key: string, overrides: Partial<DeviceInfoRow> = {}): DeviceInfoRow {
  return {
    ingest_id: `${key}:0`, device_sn: 'PG_SINK_2', timestamp: null, create_time: CREATED, upload_method: 'optimized',
    payload: '{"SerialNumber":"PG_SINK_2","battery":81,"firmware":"2.1.0"}', ...overrides,
  };
}

function event(key: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    ingest_id: `${key}:0`, device_sn: 'PG_SINK_3', timestamp: '2025-11-24T15:59:59.999Z', create_time: CREATED, upload_method: 'stream_v2',
    event_type: 'fall_detected', payload: '{"deviceSn":"PG_SINK_3","eventType":"fall_detected","level":3}', ...overrides,
  };
}

/** The cluster has no locale (C collation): ORDER BY ingest_id is byte order, as JS compares ASCII. */
function byIngestId<T extends { ingest_id: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.ingest_id < b.ingest_id ? -1 : a.ingest_id > b.ingest_id ? 1 : 0));
}

const HEALTH_COLUMNS = 'ingest_id, device_sn, "timestamp", create_time, upload_method, heart_rate, blood_oxygen, temperature, pressure_high, pressure_low, stress, step, distance, calorie, latitude, longitude, altitude, sleep';

describe('PostgresSink against a real PostgreSQL', () => {
  const key = randomUUID();
  const batch: RowBatch = {
    health: [health(key), health(`${key}-b`, { heart_rate: null, temperature: null, latitude: null, longitude: null, altitude: null, sleep: null, timestamp: null, device_sn: 'PG_SINK_1B' })],
    deviceInfo: [deviceInfo(key)],
    events: [event(key), event(`${key}-b`, { event_type: null })],
  };

  it('creates the schema on first use and writes a batch of all three kinds in one transaction, values exact', async () => {
    const tables = async () => (await rows<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")).map((r) => r.table_name);
    expect(await tables()).toEqual([]);

    const sink = newSink();
    expect(sink.description).toMatch(/^postgres:127\.0\.0\.1:\d+\/streamctl_test$/);
    // No open(): the first write creates the tables.
    expect(await sink.write(batch)).toEqual({ inserted: 5, alreadyStored: 0 });
    // streamctl_settings records the time format (iso-utc for a database serve creates).
    expect(await tables()).toEqual(['streamctl_settings', 'user_common_event', 'user_device_info', 'user_health_data']);
    expect(await rows('SELECT name, value FROM streamctl_settings')).toEqual([{ name: 'time_format', value: 'iso-utc' }]);
    const uniques = await rows<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexdef LIKE 'CREATE UNIQUE INDEX%(ingest_id)'");
    expect(uniques).toHaveLength(3);

    expect(await rows(`SELECT ${HEALTH_COLUMNS} FROM user_health_data ORDER BY ingest_id`)).toEqual(byIngestId(batch.health));
    expect(await rows('SELECT ingest_id, device_sn, "timestamp", create_time, upload_method, payload FROM user_device_info ORDER BY ingest_id')).toEqual(byIngestId(batch.deviceInfo));
    expect(await rows('SELECT ingest_id, device_sn, "timestamp", create_time, upload_method, event_type, payload FROM user_common_event ORDER BY ingest_id')).toEqual(byIngestId(batch.events));
    // Numbers come back as numbers (DOUBLE PRECISION), times as the ISO text written.
    const [first] = await rows<{ heart_rate: unknown; create_time: unknown }>('SELECT heart_rate, create_time FROM user_health_data WHERE ingest_id = $1', `${key}:0`);
    expect(first).toEqual({ heart_rate: 72, create_time: CREATED });

    // One transaction: every row of the batch carries the same inserting transaction id.
    const xmins = await rows<{ xmin: string }>(
      'SELECT xmin::text AS xmin FROM user_health_data UNION SELECT xmin::text FROM user_device_info UNION SELECT xmin::text FROM user_common_event',
    );
    expect(xmins).toHaveLength(1);
  });

  it('writes the same batch again as a no-op: every row already stored, by ingest_id', async () => {
    const sink = newSink();
    expect(await sink.write(batch)).toEqual({ inserted: 0, alreadyStored: 5 });
    expect([await count('user_health_data'), await count('user_device_info'), await count('user_common_event')]).toEqual([2, 1, 2]);

    // A redelivery mixed with new rows, and the same row twice within one batch.
    const fresh = randomUUID();
    const mixed: RowBatch = { health: [batch.health[0]!, health(fresh), health(fresh)], deviceInfo: [], events: [] };
    expect(await sink.write(mixed)).toEqual({ inserted: 1, alreadyStored: 2 });
    expect(await count('user_health_data')).toBe(3);
  });

  it('splits a large batch over several statements, still all or nothing', async () => {
    const sink = newSink();
    const prefix = randomUUID();
    const big: RowBatch = { health: Array.from({ length: 2_500 }, (_, i) => health(`${prefix}-${i}`, { heart_rate: i })), deviceInfo: [], events: [] };
    expect(await sink.write(big)).toEqual({ inserted: 2_500, alreadyStored: 0 });
    const [sum] = await rows<{ n: string; s: number }>('SELECT COUNT(*) AS n, SUM(heart_rate) AS s FROM user_health_data WHERE ingest_id LIKE $1', `${prefix}-%`);
    expect(sum).toEqual({ n: '2500', s: (2_499 * 2_500) / 2 });

    const after = randomUUID();
    const poisoned: RowBatch = {
      health: Array.from({ length: 1_500 }, (_, i) => health(`${after}-${i}`, i === 1_400 ? { sleep: 'nul \u0000 here' } : {})),
      deviceInfo: [],
      events: [],
    };
    await expect(sink.write(poisoned)).rejects.toMatchObject({ code: '22021' });
    expect(await count('user_health_data')).toBe(3 + 2_500);
  });

  it('fails the whole batch on a value PostgreSQL refuses (NUL in text, SQLSTATE 22021): nothing written, a record error', async () => {
    const sink = newSink();
    const before = [await count('user_health_data'), await count('user_device_info'), await count('user_common_event')];
    const bad = randomUUID();
    // The refused row comes last (events are written after health and device info), so the
    // earlier statements of the transaction did insert and must be rolled back.
    const poisoned: RowBatch = {
      health: [health(randomUUID())],
      deviceInfo: [deviceInfo(randomUUID())],
      events: [event(randomUUID()), event(bad, { event_type: 'fall\u0000detected' })],
    };
    const error = await sink.write(poisoned).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: '22021', message: expect.stringContaining('0x00') });
    expect(sink.isRecordError(error)).toBe(true);
    expect([await count('user_health_data'), await count('user_device_info'), await count('user_common_event')]).toEqual(before);

    // The connection went back to the pool usable: the good rows alone go in.
    const good: RowBatch = { ...poisoned, events: [poisoned.events[0]!] };
    expect(await sink.write(good)).toEqual({ inserted: 3, alreadyStored: 0 });
  });

  it('lets several instances create the schema of a fresh database at the same time', async () => {
    await db.query('CREATE DATABASE streamctl_fresh');
    const url = server.url.replace(/\/streamctl_test$/, '/streamctl_fresh');
    const fleet = Array.from({ length: 4 }, () => newSink(url));
    const opened = await Promise.allSettled(fleet.map((sink) => sink.open()));
    expect(opened.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    const results = await Promise.all(fleet.map((sink, i) => sink.write({ health: [health(`fresh-${i}`)], deviceInfo: [], events: [] })));
    expect(results).toEqual(fleet.map(() => ({ inserted: 1, alreadyStored: 0 })));
  });

  it('classifies a stopped server as systemic, not the record\'s fault', async () => {
    const sink = newSink();
    await sink.open();
    await db.end();
    await server.stop();
    const error = await sink.write({ health: [health(randomUUID())], deviceInfo: [], events: [] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(sink.isRecordError(error)).toBe(false);
    // A sink that never reached the schema either.
    const never = newSink();
    const openError = await never.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(openError).toBeInstanceOf(Error);
    expect(never.isRecordError(openError)).toBe(false);
  });
});
