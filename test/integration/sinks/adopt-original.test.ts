import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';
import { storedTime } from '../../../src/shared/stored-time.js';
import type { ExistingTable } from '../../../src/runtime/sinks/adoption-plan.js';
import { snapshotSqlite } from '../../../src/runtime/sinks/sqlite-schema.js';
import { runCli } from '../../helpers/cli.js';
import { ORIGINAL_TABLE, createOriginalDatabase, originalConsistency, type OriginalRow } from '../../helpers/original-database.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

/**
 * `streamctl serve --database` on a file the original service made with its own code
 * (models.py), with its rows. A zone 8 hours off UTC, so a row written in UTC instead of the
 * original's local time would be 8 hours off in the original's text comparisons.
 */
const ZONE = 'Asia/Shanghai';
const LOCAL = storedTime('local-datetime', ZONE);
const DEVICE_SECONDS = 1764000000;
/** datetime.fromtimestamp(1764000000) under TZ=Asia/Shanghai. */
const DEVICE_LOCAL = '2025-11-25 00:00:00';

const ORIGINAL_ROWS: OriginalRow[] = [
  { device_sn: 'ORIG_A', heart_rate: 60, deviceSeconds: DEVICE_SECONDS, upload_method: 'optimized' },
  { device_sn: 'ORIG_B', heart_rate: 61, deviceSeconds: DEVICE_SECONDS + 60, upload_method: 'stream_v2' },
  { device_sn: 'ORIG_C', heart_rate: 62, deviceSeconds: DEVICE_SECONDS - 3_600, upload_method: 'optimized', ageSeconds: 3 * 3_600 },
  { device_sn: 'ORIG_D', heart_rate: 63, deviceSeconds: DEVICE_SECONDS - 86_400, upload_method: 'stream_v2', ageSeconds: 2 * 86_400 },
];
const ORIGINAL_COLUMNS = 'id, device_sn, user_id, org_id, customer_id, heart_rate, blood_oxygen, temperature, pressure_high, pressure_low, stress, step, distance, calorie, latitude, longitude, altitude, sleep, timestamp, upload_method, create_time';

let dir: string;
let dbPath: string;
let service: TestService | undefined;
let previousTz: string | undefined;
let originalTable: ExistingTable | undefined;
let originalRowsBefore: unknown[];
const logLines: string[] = [];

function read<T = Record<string, any>>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

async function start(): Promise<TestService> {
  const logger = createLogger({ level: 'info', write: (line) => logLines.push(line) });
  return startTestService({ database: dbPath, ratio: 0 }, { logger });
}

const schemaLines = () => logLines.filter((l) => l.includes('database schema:')).map((l) => /database schema: (.*?)(?: database=|$)/.exec(l)![1]);

beforeAll(async () => {
  // serve records this process's zone when it adopts the table: the host's zone, which the
  // original service also runs in (its NOW() is local time).
  previousTz = process.env.TZ;
  process.env.TZ = ZONE;
  dir = mkdtempSync(join(tmpdir(), 'streamctl-adopt-'));
  dbPath = join(dir, 'health.db');
  await createOriginalDatabase(dbPath, ZONE, ORIGINAL_ROWS);
  const db = new Database(dbPath, { readonly: true });
  originalTable = snapshotSqlite(db).tables.user_health_data;
  db.close();
  originalRowsBefore = read(`SELECT ${ORIGINAL_COLUMNS} FROM user_health_data ORDER BY id`);
  service = await start();
});

afterAll(async () => {
  await service?.cleanup();
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown): Promise<void> {
  const response = await service!.post(path, body);
  expect(response.status, `${path} ${JSON.stringify(response.json)}`).toBe(200);
}

async function ourRows(expected: number): Promise<Array<Record<string, any>>> {
  return (await eventually(() => {
    const rows = read('SELECT * FROM user_health_data WHERE ingest_id IS NOT NULL ORDER BY device_sn, timestamp');
    return rows.length === expected ? rows : undefined;
  }))!;
}

describe('streamctl serve on the original service\'s database', () => {
  it('finds the table models.py creates, as the unit tests of the adoption plan describe it', () => {
    expect(originalTable).toEqual(ORIGINAL_TABLE);
    expect(originalRowsBefore).toHaveLength(ORIGINAL_ROWS.length);
  });

  it('adds the ingest id, its unique index, its other tables and its settings, one log line per change, and keeps the original\'s create_time index', () => {
    expect(schemaLines()).toEqual([
      'added column user_health_data.ingest_id TEXT (NULL in the user_health_data rows already there)',
      'added unique index user_health_data_ingest_id on user_health_data (ingest_id)',
      'created table user_device_info with indexes on ingest_id (unique) and create_time',
      'created table user_common_event with indexes on ingest_id (unique) and create_time',
      'created table streamctl_settings',
      `recorded time_format=local-datetime time_zone=${ZONE}: create_time and timestamp are written as the original's 'YYYY-MM-DD HH:MM:SS' ${ZONE} time`,
    ]);
    expect(read("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'user_health_data' ORDER BY name").map((r) => r.name)).toEqual([
      'idx_uhd_create_time', 'idx_uhd_sn_ts', 'user_health_data_ingest_id',
    ]);
    expect(read('SELECT name, value FROM streamctl_settings ORDER BY name')).toEqual([{ name: 'time_format', value: 'local-datetime' }, { name: 'time_zone', value: ZONE }]);
  });

  it('writes both paths\' rows beside the original\'s, in its time format, without touching, losing or copying one of its rows', async () => {
    await post('/upload_health_data_v2', { data: { deviceSn: 'ADOPT_S1', heart_rate: 72, timestamp: DEVICE_SECONDS } });
    await post('/upload_health_data_v2', { data: { deviceSn: 'ADOPT_S2', heart_rate: 74 } });
    await post('/upload_health_data', { data: { deviceSn: 'ADOPT_B1', heart_rate: 65, timestamp: DEVICE_SECONDS } });
    await post('/upload_health_data', { data: [{ deviceSn: 'ADOPT_B2', heart_rate: 66, timestamp: DEVICE_SECONDS + 1 }, { deviceSn: 'ADOPT_B2', heart_rate: 67, timestamp: DEVICE_SECONDS + 2 }] });

    const rows = await ourRows(5);
    expect(rows.map((r) => [r.device_sn, r.upload_method, r.heart_rate, r.timestamp])).toEqual([
      ['ADOPT_B1', 'optimized', 65, DEVICE_LOCAL],
      ['ADOPT_B2', 'optimized', 66, '2025-11-25 00:00:01'],
      ['ADOPT_B2', 'optimized', 67, '2025-11-25 00:00:02'],
      ['ADOPT_S1', 'stream_v2', 72, DEVICE_LOCAL],
      ['ADOPT_S2', 'stream_v2', 74, expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)],
    ]);
    for (const row of rows) {
      // The original's NOW(): local wall clock, second precision.
      expect(row.create_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(Math.abs(Date.parse(LOCAL.toIso(row.create_time)) - Date.now())).toBeLessThan(60_000);
      expect(row.ingest_id).toMatch(/^[0-9a-f]{12}-.+:\d$/);
    }
    // No device time: the acceptance time, as the original writes now() (see shared/stored-time.ts).
    expect(rows[4]!.timestamp).toBe(rows[4]!.create_time);

    expect(read(`SELECT ${ORIGINAL_COLUMNS} FROM user_health_data WHERE ingest_id IS NULL ORDER BY id`)).toEqual(originalRowsBefore);
    expect(read('SELECT COUNT(*) AS n FROM user_health_data')[0]!.n).toBe(ORIGINAL_ROWS.length + 5);
  });

  it('`streamctl check consistency` judges its own rows and leaves the original\'s alone (run in another zone on purpose)', async () => {
    const result = await runCli(
      ['check', 'consistency', '--database', dbPath, '--redis-url', service!.redisUrl, '--at', new Date(Date.now() + 60_000).toISOString(), '--grace', '0s', '--window', '10m', '--json'],
      { env: { TZ: 'America/New_York' } },
    );
    const doc = JSON.parse(result.stdout);
    expect(doc.checks.filter((c: { status: string }) => c.status !== 'ok')).toEqual([]);
    expect(doc).toMatchObject({ verdict: 'consistent', exit_code: 0 });
    expect(result.code).toBe(0);
    // ORIG_A (optimized) and ORIG_B (stream_v2) were created this minute too, but have no ingest id.
    expect(doc.paths.stream_v2.health_data).toEqual({ accepted: 2, persisted: 2 });
    expect(doc.paths.optimized.health_data).toEqual({ accepted: 3, persisted: 3 });
  });

  it('the original\'s verify_database_consistency() counts both paths\' rows with its own, in its hour', async () => {
    const { code, result } = await originalConsistency(dbPath, ZONE);
    // ORIG_A + ADOPT_B1 + 2 x ADOPT_B2; ORIG_B + ADOPT_S1 + ADOPT_S2. ORIG_C (3 h) and ORIG_D (2 days) are outside its hour.
    expect(result).toEqual({ traditional_count: 4, stream_count: 3, total_count: 7, duplicates: 0, consistency_ok: true });
    expect(code).toBe(0);
  });

  it('a reading stored by the original and again by serve is one (device_sn, timestamp) group to the original\'s duplicate check', async () => {
    await post('/upload_health_data', { data: { deviceSn: 'ORIG_A', heart_rate: 60, timestamp: DEVICE_SECONDS } });
    await ourRows(6);
    const { code, result } = await originalConsistency(dbPath, ZONE);
    expect(result).toMatchObject({ traditional_count: 5, stream_count: 3, duplicates: 1, consistency_ok: false });
    expect(code).toBe(1);
    // streamctl's own check counts only its rows: the one ORIG_A row it wrote is no duplicate of its own.
    const check = await runCli(['check', 'consistency', '--database', dbPath, '--redis-url', service!.redisUrl, '--at', new Date(Date.now() + 60_000).toISOString(), '--grace', '0s', '--window', '10m', '--json']);
    expect(JSON.parse(check.stdout)).toMatchObject({ verdict: 'consistent', paths: { optimized: { health_data: { accepted: 4, persisted: 4 } } } });
  });

  it('a restart changes nothing and keeps writing the recorded zone\'s time, whatever its own zone', async () => {
    await service!.cleanup();
    service = undefined;
    logLines.length = 0;
    process.env.TZ = 'UTC';
    service = await start();
    expect(schemaLines()).toEqual([]);
    await post('/upload_health_data', { data: { deviceSn: 'ADOPT_B3', heart_rate: 68, timestamp: DEVICE_SECONDS } });
    const rows = await ourRows(7);
    expect(rows.find((r) => r.device_sn === 'ADOPT_B3')).toMatchObject({ timestamp: DEVICE_LOCAL, upload_method: 'optimized' });
    expect((await originalConsistency(dbPath, ZONE)).result).toMatchObject({ traditional_count: 6, stream_count: 3 });
    expect(read(`SELECT ${ORIGINAL_COLUMNS} FROM user_health_data WHERE ingest_id IS NULL ORDER BY id`)).toEqual(originalRowsBefore);
  });
});

describe('streamctl serve refuses a database it cannot adopt (exit 64), and changes nothing', () => {
  async function refused(ddl: string[]): Promise<{ stderr: string; tables: string[]; columns: string[] }> {
    const path = join(dir, `refuse-${Math.random().toString(36).slice(2)}.db`);
    const db = new Database(path);
    for (const statement of ddl) db.exec(statement);
    db.close();
    // Redis is never reached: the database is opened first.
    const result = await runCli(['serve', '--database', path, '--redis-url', 'redis://127.0.0.1:1', '--port', '0', '--data-dir', join(dir, 'serve-refused')], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(64);
    const after = new Database(path, { readonly: true });
    try {
      return {
        stderr: result.stderr,
        tables: (after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name),
        columns: (after.pragma('table_info(user_health_data)') as Array<{ name: string }>).map((c) => c.name),
      };
    } finally {
      after.close();
    }
  }

  it('a reading column declared TEXT', async () => {
    const { stderr, tables, columns } = await refused([
      'CREATE TABLE user_health_data (id INTEGER PRIMARY KEY AUTOINCREMENT, device_sn TEXT NOT NULL, heart_rate TEXT, timestamp TEXT, upload_method TEXT, create_time TEXT NOT NULL)',
    ]);
    expect(stderr).toMatch(
      /^streamctl: cannot adopt sqlite:.*refuse-\w+\.db: column user_health_data\.heart_rate is declared TEXT \(TEXT affinity\) but streamctl writes numbers there: SQLite would store them as text\n {2}nothing was changed; alter the table yourself or point --database at another database\n$/,
    );
    expect(tables).toEqual(['user_health_data']);
    expect(columns).not.toContain('ingest_id');
  });

  it('a non-unique index named like its unique ingest-id index', async () => {
    const { stderr, tables } = await refused([
      'CREATE TABLE user_health_data (id INTEGER PRIMARY KEY, ingest_id TEXT, device_sn TEXT NOT NULL, timestamp TEXT, upload_method TEXT, create_time TEXT NOT NULL)',
      'CREATE INDEX user_health_data_ingest_id ON user_health_data (ingest_id)',
    ]);
    expect(stderr).toContain('is not a unique index on (ingest_id), and streamctl needs that name for one: without it a redelivered record would be stored twice');
    expect(stderr).toContain('drop or rename user_health_data_ingest_id; nothing was changed');
    expect(tables).toEqual(['user_health_data']);
  });
});
