import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsistencyDatabase } from '../../../src/checks/adapters/consistency-endpoint.js';
import { LAYOUT } from '../../../src/checks/layout.js';
import type { HealthRow, RowBatch } from '../../../src/runtime/records/rows.js';
import { MysqlSink } from '../../../src/runtime/sinks/mysql-sink.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb.js';
import { MYSQL_ORIGINAL_DDL } from '../../helpers/sink-engines.js';

/** What only the MySQL sink has: --no-migrate, collations, 3-byte `utf8` columns, its consistency reads. */
let server: TestMariadb;
let admin: Connection;
const sinks: MysqlSink[] = [];
let previousTz: string | undefined;

beforeAll(async () => {
  previousTz = process.env.TZ;
  process.env.TZ = 'UTC';
  server = await startTestMariadb();
  admin = await server.admin();
  await admin.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
}, 120_000);

afterAll(async () => {
  for (const sink of sinks) await sink.close().catch(() => undefined);
  await admin?.end().catch(() => undefined);
  await server?.stop();
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
}, 60_000);

function newSink(options: { noMigrate?: boolean } = {}): MysqlSink {
  const sink = new MysqlSink(server.url, options);
  sinks.push(sink);
  return sink;
}

async function tables(): Promise<string[]> {
  const [rows] = await admin.query('SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME');
  return (rows as Array<{ name: string }>).map((r) => r.name);
}

function health(id: string, overrides: Partial<HealthRow> = {}): HealthRow {
  return {
    ingest_id: id, device_sn: 'MY_1', timestamp: '2026-11-29T19:59:00.000Z', create_time: '2026-11-29T20:00:05.500Z', upload_method: 'stream_v2',
    heart_rate: 72, blood_oxygen: null, temperature: 36.6, pressure_high: null, pressure_low: null, stress: null, step: null,
    distance: null, calorie: null, latitude: null, longitude: null, altitude: null, sleep: null, ...overrides,
  };
}

const only = (rows: HealthRow[]): RowBatch => ({ health: rows, deviceInfo: [], events: [] });

describe('MysqlSink on MariaDB', () => {
  it('--no-migrate refuses the original\'s table with exit 64, naming what is missing, and changes nothing', async () => {
    for (const statement of MYSQL_ORIGINAL_DDL) await admin.query(statement);
    const error = await newSink({ noMigrate: true }).open().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: ExitCode.Usage,
      message: expect.stringMatching(/^--no-migrate: mysql:127\.0\.0\.1:\d+\/streamctl_test is missing what streamctl needs: added column user_health_data\.ingest_id .*added unique index user_health_data_ingest_id/),
    });
    expect(await tables()).toEqual(['user_health_data']);
  });

  it('adopts it online, warns about its case-folding device_sn collation, then --no-migrate starts', async () => {
    const sink = newSink();
    await sink.open();
    expect(sink.schema?.warnings).toEqual([
      expect.stringMatching(/^user_health_data\.device_sn has collation utf8mb4_general_ci, which ignores case/),
      expect.stringMatching(/^user_health_data\.timestamp is DATETIME without fractional seconds: device times are stored to the second \(truncated/),
    ]);
    // 12:00:00.600 is stored 12:00:00 (truncated as the original does), not rounded to 12:00:01 by the server.
    expect(await sink.write(only([health('second:0', { timestamp: '2026-11-29T19:59:00.600Z' })]))).toEqual({ inserted: 1, alreadyStored: 0 });
    const [stored] = await admin.query("SELECT \"timestamp\", create_time FROM user_health_data WHERE ingest_id = 'second:0'");
    expect(stored).toEqual([{ timestamp: '2026-11-29 19:59:00', create_time: '2026-11-29 20:00:05' }]);
    expect(sink.schema?.warnings.some((w) => /could not run online/.test(w))).toBe(false);
    const [indexes] = await admin.query("SELECT INDEX_NAME AS name, NON_UNIQUE AS non_unique FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'user_health_data' AND COLUMN_NAME = 'ingest_id'");
    expect(indexes).toEqual([{ name: 'user_health_data_ingest_id', non_unique: 0 }]);
    const strict = newSink({ noMigrate: true });
    await strict.open();
    expect(strict.schema?.changes).toEqual([]);
  });

  it('refuses an emoji in a 3-byte utf8 column of an adopted table as a record error (1366), not a silent "?"', async () => {
    await admin.query('ALTER TABLE user_health_data MODIFY sleep TEXT CHARACTER SET utf8mb3');
    const sink = newSink();
    const error = await sink.write(only([health('emoji:0', { sleep: 'deep 😴' })])).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ errno: 1366 });
    expect(sink.isRecordError(error)).toBe(true);
    const [rows] = await admin.query("SELECT COUNT(*) AS n FROM user_health_data WHERE ingest_id = 'emoji:0'");
    expect(Number((rows as Array<{ n: number }>)[0]!.n)).toBe(0);
  });

  it('reads back through the consistency adapter under ONLY_FULL_GROUP_BY, minutes in UTC', async () => {
    await admin.query('DROP TABLE user_health_data, streamctl_settings, user_device_info, user_common_event');
    const sink = newSink();
    expect(await sink.write(only([health('check:0'), health('check:1'), health('check:1b', { device_sn: 'my_1' }), health('check:2', { timestamp: '2026-11-29T19:59:00.000Z', device_sn: 'MY_1' })]))).toEqual({ inserted: 4, alreadyStored: 0 });
    const check = await openConsistencyDatabase(server.url);
    try {
      await check.verifySchema([LAYOUT.health_data]);
      expect(await check.countByMinute('user_health_data', '2026-11-29T20:00:00.000Z', '2026-11-29T20:01:00.000Z')).toEqual([
        { uploadMethod: 'stream_v2', minute: '2026-11-29T20:00', rows: 4 },
      ]);
      // MY_1 three times at one device time; my_1 is another device.
      const duplicates = await check.duplicateReadings(LAYOUT.health_data, 'stream_v2', '2026-11-29T20:00:00.000Z', '2026-11-29T20:01:00.000Z', 5);
      expect(duplicates).toEqual({ groups: 1, surplusRows: 2, samples: [{ key: { device_sn: 'MY_1', timestamp: '2026-11-29 19:59:00.000' }, count: 3 }] });
      expect(await check.duplicateIngestIds('user_health_data', '2026-11-29T20:00:00.000Z', '2026-11-29T20:01:00.000Z', 5)).toEqual({ groups: 0, surplusRows: 0, samples: [] });
      expect(await check.ingestIdCounts('user_health_data', ['check:0', 'check:1', 'absent'])).toEqual(new Map([['check:0', 1], ['check:1', 1]]));
    } finally {
      await check.close();
    }
  });

  it('writes a batch of all three kinds as one transaction: a refused event takes the health row of its batch with it', async () => {
    const sink = newSink();
    const event = { ingest_id: 'tx:e', device_sn: 'E'.repeat(300), timestamp: null, create_time: '2026-11-29T20:00:05.500Z', upload_method: 'optimized' as const, event_type: 'sos', payload: '{}' };
    const error = await sink.write({ health: [health('tx:h')], deviceInfo: [], events: [event] }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ errno: 1406 });
    expect(sink.isRecordError(error)).toBe(true);
    const [rows] = await admin.query("SELECT COUNT(*) AS n FROM user_health_data WHERE ingest_id = 'tx:h'");
    expect(Number((rows as Array<{ n: number }>)[0]!.n)).toBe(0);
    // The connection went back to the pool usable.
    expect(await sink.write({ health: [health('tx:h')], deviceInfo: [], events: [{ ...event, device_sn: 'E1' }] })).toEqual({ inserted: 2, alreadyStored: 0 });
  });

  it('calls a stopped server "away", not the record\'s fault', async () => {
    const sink = newSink();
    await sink.open();
    await admin.end();
    await server.stop();
    const error = await sink.write(only([health('gone:0')])).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(sink.isRecordError(error)).toBe(false);
  });
});
