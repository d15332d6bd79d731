import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { createChecksFixture, healthReading, type ChecksFixture } from '../../helpers/checks-fixture.js';
import { runConsistencyCheck, type ConsistencyOptions } from '../../../src/checks/consistency/run.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import { openSqliteConsistency } from '../../../src/checks/adapters/sqlite-consistency.js';
import { freePort } from '../../../src/shared/free-port.js';

const MINUTE = 60_000;
// Everything happens half an hour ago; the check looks from `AT`, a fixed instant, never Date.now().
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const AT = BASE + 20 * MINUTE;

let server: TestRedis;
let nextDb = 1;
let fx: ChecksFixture;

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.cleanup();
});
afterEach(async () => {
  await fx?.close();
});

async function fixture(): Promise<ChecksFixture> {
  fx = await createChecksFixture(server.url, nextDb++);
  return fx;
}

async function check(options: ConsistencyOptions = {}): Promise<ConsistencyDocument> {
  const redis = await connectRedisConsistency(fx.redisUrl);
  const database = openSqliteConsistency(fx.dbPath);
  try {
    return await runConsistencyCheck({ redis, database }, { atMs: AT, windowMs: 60 * MINUTE, graceMs: 2 * MINUTE, ...options });
  } finally {
    await redis.close();
    await database.close();
  }
}

function find(doc: ConsistencyDocument, id: string, where: Record<string, string> = {}) {
  const found = doc.checks.filter((c) => c.id === id && Object.entries(where).every(([k, v]) => (c as unknown as Record<string, unknown>)[k] === v));
  expect(found, `${id} ${JSON.stringify(where)}`).toHaveLength(1);
  return found[0]!;
}

function notOk(doc: ConsistencyDocument) {
  return doc.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}/${c.path ?? c.stream ?? ''}/${c.kind ?? ''}: ${c.status} ${c.message}`);
}

/** A busy few minutes on both paths: single readings, a list upload, device info and an event. */
async function cleanTraffic(f: ChecksFixture): Promise<void> {
  for (let i = 0; i < 5; i++) await f.acceptStream('health_data', healthReading(`SN-${i}`, BASE - 3_600_000 + i * 1000, i), BASE + i * 7_000);
  await f.acceptStream('health_data', [healthReading('SN-L', BASE - 100_000), healthReading('SN-L', BASE - 90_000), healthReading('SN-L', BASE - 80_000)], BASE + 40_000);
  await f.acceptStream('device_info', { SerialNumber: 'SN-1', timestamp: BASE - 5_000, battery: 80 }, BASE + 50_000);
  await f.acceptStream('common_event', { deviceSn: 'SN-2', eventType: 'fall', timestamp: BASE - 4_000 }, BASE + 61_000);
  for (let i = 0; i < 4; i++) await f.acceptTraditional('health_data', healthReading(`SN-T${i}`, BASE - 50_000 + i * 1000, i), BASE + 2 * MINUTE + i * 1000);
  await f.acceptTraditional('common_event', { deviceSn: 'SN-3', eventType: 'sos', timestamp: BASE - 3_000 }, BASE + 3 * MINUTE);
  // Test devices: ledgered apart, excluded from every count.
  await f.acceptStream('health_data', healthReading('STREAM_TEST_000', BASE - 1_000), BASE + 4 * MINUTE);
  await f.acceptTraditional('health_data', healthReading('STREAM_TEST_000', BASE - 1_000), BASE + 4 * MINUTE);
  await f.consume('health_data');
  await f.consume('device_info');
  await f.consume('common_event');
}

describe('check consistency against real Redis and SQLite', () => {
  it('finds clean data consistent (exit 0), with the window on whole minutes and every count', async () => {
    await cleanTraffic(await fixture());
    const doc = await check();
    expect(notOk(doc)).toEqual([]);
    expect(doc.verdict).toBe('consistent');
    expect(doc.exit_code).toBe(0);
    expect(doc.schema).toBe('streamctl.consistency/v1');
    expect(doc.window).toMatchObject({ end: new Date(AT - 2 * MINUTE).toISOString(), start: new Date(AT - 62 * MINUTE).toISOString() });
    expect(doc.paths!.stream_v2.health_data).toEqual({ accepted: 8, persisted: 8 });
    expect(doc.paths!.optimized.health_data).toEqual({ accepted: 4, persisted: 4 });
    expect(doc.paths!.optimized.common_event).toEqual({ accepted: 1, persisted: 1 });
    expect(doc.streams!.health_data_stream).toMatchObject({ length: 7, lag: 0, pending: 0 });
  });

  it('names a deleted stream row and a deleted traditional row (exit 1)', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const lost = await f.acceptStream('health_data', healthReading('SN-LOST', BASE - 10_000), BASE + 5 * MINUTE);
    await f.consume('health_data');
    f.sql().prepare('DELETE FROM user_health_data WHERE ingest_id LIKE ?').run(`%-${lost.uuid}:0`);
    f.sql().prepare("DELETE FROM user_health_data WHERE device_sn = 'SN-T2'").run();
    const doc = await check();
    expect(doc.exit_code).toBe(1);
    const entries = find(doc, 'stream_entries_persisted', { kind: 'health_data' });
    expect(entries.status).toBe('fail');
    expect(entries.samples).toEqual([expect.objectContaining({ stream_id: lost.id, ingest_key: lost.uuid, absent_records: 1 })]);
    expect(find(doc, 'accepted_vs_persisted', { path: 'stream_v2', kind: 'health_data' }).observed).toMatchObject({ accepted: 9, persisted: 8, missing: 1 });
    const traditional = find(doc, 'accepted_vs_persisted', { path: 'optimized', kind: 'health_data' });
    expect(traditional.status).toBe('fail');
    expect(traditional.samples).toEqual([{ minute: new Date(BASE + 2 * MINUTE).toISOString().slice(0, 16), accepted: 4, persisted: 3, in_flight: 0, dead_lettered: 0 }]);
  });

  it('names a duplicated (device_sn, timestamp) reading and the surplus row (exit 1)', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const row = f.sql().prepare("SELECT * FROM user_health_data WHERE device_sn = 'SN-T1'").get() as Record<string, unknown>;
    delete row.id;
    row.ingest_id = 'replayed-upload:0';
    const columns = Object.keys(row);
    f.sql().prepare(`INSERT INTO user_health_data (${columns.map((c) => `"${c}"`).join(',')}) VALUES (${columns.map((c) => '@' + c).join(',')})`).run(row);
    const doc = await check();
    expect(doc.exit_code).toBe(1);
    const dup = find(doc, 'duplicate_readings', { path: 'optimized', kind: 'health_data' });
    expect(dup.status).toBe('fail');
    expect(dup.observed).toEqual({ groups: 1, surplus_rows: 1 });
    expect(dup.samples).toEqual([{ key: { device_sn: 'SN-T1', timestamp: row.timestamp }, count: 2 }]);
    expect(find(doc, 'accepted_vs_persisted', { path: 'optimized', kind: 'health_data' }).observed).toMatchObject({ unexpected: 1 });
    expect(find(doc, 'duplicate_readings', { path: 'stream_v2', kind: 'health_data' }).status).toBe('ok');
  });

  it('calls an entry pending past the grace inconclusive (exit 3) and names it with its consumer', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const stuck = await f.acceptStream('health_data', healthReading('SN-STUCK', BASE - 10_000), BASE + 6 * MINUTE);
    await f.consume('health_data', { consumer: 'host-a-health-0', persist: false, ack: false });
    const doc = await check();
    expect(notOk(doc)).toEqual([expect.stringContaining('pending_settled/health_data_stream/health_data: inconclusive')]);
    expect(doc.exit_code).toBe(3);
    const pending = find(doc, 'pending_settled', { kind: 'health_data' });
    expect(pending.samples).toEqual([expect.objectContaining({ stream_id: stuck.id, consumer: 'host-a-health-0', deliveries: 1 })]);
    // In flight, not missing: the gap is explained by the pending entry.
    expect(find(doc, 'accepted_vs_persisted', { path: 'stream_v2', kind: 'health_data' }).observed).toMatchObject({ accepted: 9, persisted: 8, in_flight: 1, missing: 0 });
  });

  it('does not judge pending work younger than the grace', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    await f.acceptStream('health_data', healthReading('SN-YOUNG', BASE), AT - 30_000);
    await f.consume('health_data', { persist: false, ack: false });
    const doc = await check();
    expect(notOk(doc)).toEqual([]);
    expect(doc.streams!.health_data_stream!.pending).toBe(1);
  });

  it('finds a record trimmed before it was consumed (exit 1) and shows the trim counter', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const gone = await f.acceptStream('health_data', healthReading('SN-TRIM', BASE - 10_000), BASE + 7 * MINUTE);
    // What approximate MAXLEN does to a slow group: the oldest entries go, read or not.
    await f.redis.xtrim('health_data_stream', 'MINID', `${BASE + 7 * MINUTE + 1}`);
    await f.redis.set('streamctl:trimmed:health_data_stream', '1');
    const doc = await check();
    expect(doc.exit_code).toBe(1);
    const gap = find(doc, 'accepted_vs_persisted', { path: 'stream_v2', kind: 'health_data' });
    expect(gap.status).toBe('fail');
    expect(gap.observed).toMatchObject({ accepted: 9, persisted: 8, missing: 1 });
    expect(gap.message).toMatch(/no stream entry left.*streamctl:trimmed:health_data_stream=1/);
    expect(gap.samples).toContainEqual(expect.objectContaining({ minute: new Date(BASE + 7 * MINUTE).toISOString().slice(0, 16), accepted: 1, persisted: 0 }));
    expect(find(doc, 'trimmed_before_consumption', { kind: 'health_data' }).status).toBe('warn');
    expect(gone.id).toBeTruthy();
  });

  it('reports a dead letter as a warning, and --strict makes it inconsistent', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const bad = await f.acceptStream('device_info', { SerialNumber: 'SN-DLQ', timestamp: BASE }, BASE + 8 * MINUTE);
    await f.consume('device_info', { persist: false, ack: false });
    await f.deadLetter('device_info', bad.id, 'poison');
    const relaxed = await check();
    expect(relaxed.exit_code).toBe(0);
    const dl = find(relaxed, 'dead_letters', { kind: 'device_info' });
    expect(dl.status).toBe('warn');
    expect(dl.samples).toEqual([expect.objectContaining({ ingest_key: bad.uuid })]);
    expect(find(relaxed, 'accepted_vs_persisted', { path: 'stream_v2', kind: 'device_info' }).observed).toMatchObject({ dead_lettered: 1, missing: 0 });
    const strict = await check({ strict: true });
    expect(strict.verdict).toBe('inconsistent');
    expect(strict.exit_code).toBe(1);
  });

  it('never reads a missing table as equal: could_not_check (exit 2)', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-empty-'));
    const empty = join(dir, 'empty.db');
    new Database(empty).close();
    const redis = await connectRedisConsistency(f.redisUrl);
    const database = openSqliteConsistency(empty);
    const doc = await runConsistencyCheck({ redis, database }, { atMs: AT });
    await redis.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    expect(doc.verdict).toBe('could_not_check');
    expect(doc.exit_code).toBe(2);
    expect(doc.error!.message).toMatch(/user_health_data does not exist/);
  });

  it('refuses an absent database file and an unreachable Redis with exit 2 errors', async () => {
    expect(() => openSqliteConsistency('/nonexistent/dir/streamctl.db')).toThrow(expect.objectContaining({ exitCode: 2 }));
    const closed = await freePort();
    await expect(connectRedisConsistency(`redis://127.0.0.1:${closed}`)).rejects.toMatchObject({ exitCode: 2 });
  });

  it('says inconclusive when rows exist but the ledger does not', async () => {
    const f = await fixture();
    await cleanTraffic(f);
    const keys = await f.redis.keys('streamctl:ledger:*');
    await f.redis.del(...keys);
    const doc = await check();
    expect(doc.verdict).toBe('inconclusive');
    expect(find(doc, 'accepted_vs_persisted', { path: 'optimized', kind: 'health_data' }).message).toMatch(/no acceptance ledger/);
  });
});
