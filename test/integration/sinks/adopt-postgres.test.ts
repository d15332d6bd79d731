import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresConsistency } from '../../../src/checks/adapters/postgres-consistency.js';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { PostgresSink } from '../../../src/runtime/sinks/postgres-sink.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';

/**
 * Adoption in PostgreSQL: the original's table as a port of models.py would declare it there
 * (NUMERIC readings, TEXT times in its local 'YYYY-MM-DD HH:MM:SS'), through the same plan as
 * SQLite (adoption-plan.ts) with PostgreSQL's catalog read by postgres-schema.ts.
 */
const ZONE = 'Asia/Shanghai';
const ORIGINAL_DDL = [
  `CREATE TABLE user_health_data (id BIGSERIAL PRIMARY KEY, device_sn TEXT NOT NULL, user_id BIGINT, org_id BIGINT, customer_id BIGINT,
     heart_rate NUMERIC, blood_oxygen NUMERIC, temperature NUMERIC, pressure_high NUMERIC, pressure_low NUMERIC, stress NUMERIC, step NUMERIC,
     distance NUMERIC, calorie NUMERIC, latitude NUMERIC, longitude NUMERIC, altitude NUMERIC, sleep TEXT, "timestamp" TEXT, upload_method TEXT,
     create_time TEXT NOT NULL)`,
  'CREATE INDEX idx_uhd_create_time ON user_health_data (create_time)',
  'CREATE INDEX idx_uhd_sn_ts ON user_health_data (device_sn, "timestamp")',
  `INSERT INTO user_health_data (device_sn, heart_rate, "timestamp", upload_method, create_time) VALUES
     ('PG_ORIG_A', 60, '2025-11-25 00:00:00', 'optimized', '2026-11-30 04:00:10'),
     ('PG_ORIG_B', 61, '2025-11-25 00:01:00', 'stream_v2', '2026-11-30 04:00:20')`,
];
/** 2026-11-30 04:00 in Shanghai. */
const ACCEPTED = Date.parse('2026-11-29T20:00:30.000Z');

let server: TestPostgres;
let db: pg.Client;
let previousTz: string | undefined;
const sinks: PostgresSink[] = [];

beforeAll(async () => {
  previousTz = process.env.TZ;
  process.env.TZ = ZONE;
  server = await startTestPostgres();
  db = new pg.Client(server.url);
  db.on('error', () => undefined);
  await db.connect();
});

afterAll(async () => {
  for (const sink of sinks) await sink.close().catch(() => undefined);
  await db?.end().catch(() => undefined);
  await server?.stop();
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

function newSink(): PostgresSink {
  const sink = new PostgresSink(server.url);
  sinks.push(sink);
  return sink;
}

async function rows<T = Record<string, any>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

describe('PostgresSink on the original\'s table', () => {
  it('adds the ingest id and its unique index, writes the original\'s local times, leaves its rows alone; the check counts only its own', async () => {
    for (const statement of ORIGINAL_DDL) await db.query(statement);
    const before = await rows('SELECT * FROM user_health_data ORDER BY id');

    const sink = newSink();
    await sink.open();
    expect(sink.schema?.changes).toEqual([
      'added column user_health_data.ingest_id TEXT (NULL in the user_health_data rows already there)',
      'added unique index user_health_data_ingest_id on user_health_data (ingest_id)',
      'created table user_device_info with indexes on ingest_id (unique) and create_time',
      'created table user_common_event with indexes on ingest_id (unique) and create_time',
      'created table streamctl_settings',
      `recorded time_format=local-datetime time_zone=${ZONE}: create_time and timestamp are written as the original's 'YYYY-MM-DD HH:MM:SS' ${ZONE} time`,
    ]);

    const batch = uploadToRows('health_data', [{ deviceSn: 'PG_NEW', heart_rate: 72.5, timestamp: 1764000000 }, { deviceSn: 'PG_NEW', heart_rate: 73 }], {
      ingestKey: 'adopt-pg', acceptedAtMs: ACCEPTED, uploadMethod: 'stream_v2',
    });
    expect(await sink.write(batch)).toEqual({ inserted: 2, alreadyStored: 0 });
    expect(await sink.write(batch)).toEqual({ inserted: 0, alreadyStored: 2 });
    // NUMERIC comes back as text from node-postgres.
    expect(await rows('SELECT device_sn, heart_rate, "timestamp", create_time FROM user_health_data WHERE ingest_id IS NOT NULL ORDER BY ingest_id')).toEqual([
      { device_sn: 'PG_NEW', heart_rate: '72.5', timestamp: '2025-11-25 00:00:00', create_time: '2026-11-30 04:00:30' },
      { device_sn: 'PG_NEW', heart_rate: '73', timestamp: '2026-11-30 04:00:30', create_time: '2026-11-30 04:00:30' },
    ]);
    expect((await rows('SELECT * FROM user_health_data WHERE ingest_id IS NULL ORDER BY id')).map(({ ingest_id: _, ...rest }) => rest)).toEqual(before);

    // A second instance finds nothing to change.
    const again = newSink();
    await again.open();
    expect(again.schema?.changes).toEqual([]);

    const check = await openPostgresConsistency(server.url);
    try {
      // The window in UTC; the minute read back in UTC; PG_ORIG_A/B (same minute, no ingest id) left out.
      expect(await check.countByMinute('user_health_data', '2026-11-29T20:00:00.000Z', '2026-11-29T20:01:00.000Z')).toEqual([
        { uploadMethod: 'stream_v2', minute: '2026-11-29T20:00', rows: 2 },
      ]);
      expect(await check.ingestIdCounts('user_health_data', batch.health.map((r) => r.ingest_id))).toEqual(new Map(batch.health.map((r) => [r.ingest_id, 1])));
    } finally {
      await check.close();
    }
  });

  it('refuses an integer reading column with exit 64, and changes nothing', async () => {
    await db.query('DROP TABLE user_health_data, user_device_info, user_common_event, streamctl_settings');
    await db.query('CREATE TABLE user_health_data (id BIGSERIAL PRIMARY KEY, device_sn TEXT NOT NULL, heart_rate INTEGER, "timestamp" TEXT, upload_method TEXT, create_time TEXT NOT NULL)');
    const sink = newSink();
    const error = await sink.open().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: ExitCode.Usage,
      message: expect.stringMatching(/^cannot adopt postgres:127\.0\.0\.1:\d+\/streamctl_test: column user_health_data\.heart_rate is of type integer but streamctl writes numbers there/),
    });
    expect((await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name")).map((r) => r.table_name)).toEqual(['user_health_data']);
  });
});
