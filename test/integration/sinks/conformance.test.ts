import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthRow, RowBatch } from '../../../src/runtime/records/rows.js';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { openSink } from '../../../src/runtime/sinks/open-sink.js';
import type { SchemaOutcome } from '../../../src/runtime/sinks/schema-outcome.js';
import type { Sink } from '../../../src/runtime/sinks/sink.js';
import { writeIsolating } from '../../../src/runtime/sinks/write-isolating.js';
import { ENGINES, ORIGINAL_ROWS, type SinkEngine } from '../../helpers/sink-engines.js';

/**
 * What every sink guarantees, run against each real engine (SQLite file, a throwaway PostgreSQL
 * cluster, a throwaway MariaDB), through `openSink` — the same dispatch `serve --database` uses.
 */
const CREATED = '2025-11-24T16:00:05.123Z';

function health(id: string, overrides: Partial<HealthRow> = {}): HealthRow {
  return {
    ingest_id: id, device_sn: 'CONF_1', timestamp: '2025-11-24T16:00:00.250Z', create_time: CREATED, upload_method: 'stream_v2',
    heart_rate: 72, blood_oxygen: 98, temperature: 36.6, pressure_high: 120, pressure_low: 80, stress: 31, step: 1234,
    distance: 0.85, calorie: 56.7, latitude: 31.230416, longitude: 121.473701, altitude: -12.5, sleep: '{"deep":120}',
    ...overrides,
  };
}

const only = (rows: HealthRow[]): RowBatch => ({ health: rows, deviceInfo: [], events: [] });

/** A row each engine refuses on its own (a record error), while its batch-mates are fine. */
const POISON: Record<SinkEngine['name'], Partial<HealthRow>> = {
  // better-sqlite3 binds numbers, strings, bigints, buffers and null only (TypeError).
  sqlite: { heart_rate: {} as unknown as number },
  // 22021: PostgreSQL text cannot hold NUL.
  postgres: { sleep: 'nul \u0000 here' },
  // 1406 ER_DATA_TOO_LONG in strict mode: device_sn is VARCHAR(255).
  mariadb: { device_sn: 'X'.repeat(300) },
};

const TZ = 'Asia/Shanghai';
/** 2026-11-30 04:00:30 in Shanghai, the minute of ORIGINAL_ROWS' create_time. */
const ACCEPTED = Date.parse('2026-11-29T20:00:30.000Z');

describe.each(ENGINES)('sink conformance: $name', ({ start }) => {
  let engine: SinkEngine;
  const sinks: Sink[] = [];
  let previousTz: string | undefined;

  beforeAll(async () => {
    previousTz = process.env.TZ;
    process.env.TZ = TZ;
    engine = await start();
  }, 120_000);

  afterAll(async () => {
    for (const sink of sinks) await sink.close().catch(() => undefined);
    await engine?.stop();
    if (previousTz === undefined) delete process.env.TZ;
    else process.env.TZ = previousTz;
  }, 60_000);

  async function open(location = engine.location): Promise<Sink & { schema?: SchemaOutcome }> {
    const sink = await openSink(location, '/nonexistent');
    sinks.push(sink);
    return sink as Sink & { schema?: SchemaOutcome };
  }

  async function countOf(prefix: string): Promise<number> {
    const [row] = await engine.rows('SELECT COUNT(*) AS n FROM user_health_data WHERE ingest_id LIKE ?', [`${prefix}%`]);
    return Number(row!.n);
  }

  it('stores a redelivered batch once: the second write is all already stored', async () => {
    const sink = await open();
    const batch = only([health('redeliver:0'), health('redeliver:1')]);
    expect(await sink.write(batch)).toEqual({ inserted: 2, alreadyStored: 0 });
    expect(await sink.write(batch)).toEqual({ inserted: 0, alreadyStored: 2 });
    // Mixed with a new row, and the same new row twice in one batch.
    expect(await sink.write(only([batch.health[0]!, health('redeliver:2'), health('redeliver:2')]))).toEqual({ inserted: 1, alreadyStored: 2 });
    expect(await countOf('redeliver:')).toBe(3);
  });

  it('isolates a refused record: its batch-mates are stored, it alone is refused', async () => {
    const sink = await open();
    const units = Array.from({ length: 7 }, (_, i) => health(`isolate:${i}`, i === 4 ? POISON[engine.name] : {}));
    const result = await writeIsolating(sink, units, (unit) => only([unit]));
    expect(result.error).toBeUndefined();
    expect(result.refused.map((r) => r.unit.ingest_id)).toEqual(['isolate:4']);
    expect(result.written.map((u) => u.ingest_id).sort()).toEqual(['isolate:0', 'isolate:1', 'isolate:2', 'isolate:3', 'isolate:5', 'isolate:6']);
    expect(await countOf('isolate:')).toBe(6);
  });

  it('keeps 4-byte UTF-8 exactly, and serials that differ only in case apart; NUL is kept or refused as a record', async () => {
    const sink = await open();
    const emoji = 'sleep 💓 𝄞 😴 — ünïcode';
    expect(await sink.write(only([health('utf8:0', { device_sn: 'Wé💓1', sleep: emoji }), health('utf8:1', { device_sn: 'case_A' }), health('utf8:2', { device_sn: 'CASE_a' })]))).toEqual({ inserted: 3, alreadyStored: 0 });
    const [row] = await engine.rows('SELECT device_sn, sleep FROM user_health_data WHERE ingest_id = ?', ['utf8:0']);
    expect(row).toEqual({ device_sn: 'Wé💓1', sleep: emoji });
    // A case-folding collation would make these one device to GROUP BY and to a lookup.
    expect(await engine.rows("SELECT device_sn, COUNT(*) AS n FROM user_health_data WHERE ingest_id LIKE 'utf8:%' AND device_sn IN ('case_a', 'case_A', 'CASE_a') GROUP BY device_sn ORDER BY device_sn")).toEqual([
      { device_sn: 'CASE_a', n: expect.anything() },
      { device_sn: 'case_A', n: expect.anything() },
    ]);
    expect(await engine.rows("SELECT ingest_id FROM user_health_data WHERE device_sn = 'case_a'")).toEqual([]);

    const nul = health('nul:0', { sleep: 'a\u0000b', device_sn: 'NUL\u0000SN' });
    const error = await sink.write(only([nul])).then(() => undefined, (e: unknown) => e);
    if (engine.name === 'postgres') {
      expect(sink.isRecordError(error)).toBe(true);
      expect(await countOf('nul:')).toBe(0);
    } else {
      expect(error).toBeUndefined();
      expect(await engine.rows('SELECT device_sn, sleep FROM user_health_data WHERE ingest_id = ?', ['nul:0'])).toEqual([{ device_sn: 'NUL\u0000SN', sleep: 'a\u0000b' }]);
    }
  });

  it('keeps numeric edge values as the same doubles', async () => {
    const sink = await open();
    const values = [0, 1, -1, 36.6, 0.1 + 0.2, 2 ** 53 + 2, -(2 ** 53), 1.7976931348623157e308, -1.7976931348623157e308, 2.2250738585072014e-308, 1e-300, 123456.789012345];
    const rows = values.map((value, i) => health(`num:${String(i).padStart(2, '0')}`, { heart_rate: value, temperature: value, step: null }));
    expect(await sink.write(only(rows))).toEqual({ inserted: values.length, alreadyStored: 0 });
    const stored = await engine.rows("SELECT ingest_id, heart_rate, temperature, step FROM user_health_data WHERE ingest_id LIKE 'num:%' ORDER BY ingest_id");
    expect(stored.map((r) => [Number(r.heart_rate), Number(r.temperature), r.step])).toEqual(values.map((v) => [v, v, null]));
  });

  it('keeps the device time and the server time, to the millisecond, and a missing device time as NULL', async () => {
    const sink = await open();
    await sink.write(only([health('time:0', { timestamp: '2025-11-24T15:59:59.999Z', create_time: '2026-11-29T20:00:00.001Z' }), health('time:1', { timestamp: null })]));
    const rows = await engine.rows("SELECT ingest_id, \"timestamp\", create_time FROM user_health_data WHERE ingest_id LIKE 'time:%' ORDER BY ingest_id");
    expect(rows.map((r) => [r.ingest_id, engine.storedIso(r.timestamp), engine.storedIso(r.create_time)])).toEqual([
      ['time:0', '2025-11-24T15:59:59.999Z', '2026-11-29T20:00:00.001Z'],
      ['time:1', null, CREATED],
    ]);
  });

  it('lets several instances create the schema of a fresh database at the same time', async () => {
    const location = await engine.freshDatabase('conformance_fresh');
    const opened = await Promise.allSettled(Array.from({ length: 4 }, () => open(location)));
    expect(opened.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    const fleet = opened.map((r) => (r as PromiseFulfilledResult<Sink & { schema?: SchemaOutcome }>).value);
    // Exactly one of them created the tables; the others found them.
    expect(fleet.filter((s) => (s.schema?.changes.length ?? 0) > 0)).toHaveLength(1);
    const results = await Promise.all(fleet.map((sink, i) => sink.write(only([health(`fresh:${i}`)]))));
    expect(results).toEqual(fleet.map(() => ({ inserted: 1, alreadyStored: 0 })));
  });

  it('with --no-migrate refuses a fresh database with exit 64, naming what is missing, and creates nothing', async () => {
    const location = await engine.freshDatabase('conformance_strict');
    const error = await openSink(location, '/nonexistent', undefined, { noMigrate: true }).then(
      (sink) => {
        sinks.push(sink);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ exitCode: 64, message: expect.stringMatching(/^--no-migrate: .* is missing what streamctl needs: created table user_health_data with indexes on ingest_id \(unique\) and create_time; /) });
    const plain = await engine.at(location);
    try {
      const tables = engine.name === 'sqlite' ? "SELECT name FROM sqlite_master WHERE type = 'table'"
        : engine.name === 'postgres' ? 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()'
        : 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()';
      expect(await plain.rows(tables)).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it("adopts the original's table: adds the ingest id and its unique index, leaves its rows alone, writes its local times", async () => {
    const location = await engine.freshDatabase('conformance_original');
    const plain = await engine.at(location);
    try {
      for (const statement of engine.originalDdl) await plain.exec(statement);
    } finally {
      await plain.close();
    }
    const rowsAt = async (sql: string) => {
      const reader = await engine.at(location);
      try {
        return await reader.rows(sql);
      } finally {
        await reader.close();
      }
    };
    const before = await rowsAt('SELECT * FROM user_health_data ORDER BY id');
    expect(before).toHaveLength(ORIGINAL_ROWS.length);

    const sink = await open(location);
    expect(sink.schema?.changes.slice(0, 2)).toEqual([
      expect.stringMatching(/^added column user_health_data\.ingest_id /),
      'added unique index user_health_data_ingest_id on user_health_data (ingest_id)',
    ]);
    expect(sink.schema?.time.format).toBe('local-datetime');

    const batch = uploadToRows('health_data', [{ deviceSn: 'NEW_1', heart_rate: 72.5, body_temperature: 36.6, timestamp: 1764000000 }], {
      ingestKey: 'adopt', acceptedAtMs: ACCEPTED, uploadMethod: 'stream_v2',
    });
    expect(await sink.write(batch)).toEqual({ inserted: 1, alreadyStored: 0 });
    expect(await sink.write(batch)).toEqual({ inserted: 0, alreadyStored: 1 });
    const after = await rowsAt('SELECT * FROM user_health_data ORDER BY id');
    expect(after.slice(0, before.length).map(({ ingest_id: _, ...rest }) => rest)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((r) => [r.device_sn, Number(r.heart_rate), Number(r.temperature), r.timestamp, r.create_time])).toEqual([
      ['NEW_1', 72.5, 36.6, '2025-11-25 00:00:00', '2026-11-30 04:00:30'],
    ]);

    // A second start finds nothing to change.
    const again = await open(location);
    expect(again.schema?.changes).toEqual([]);
  });
});
