import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsistencyEndpoint, openConsistencyDatabase } from '../../../src/checks/adapters/consistency-endpoint.js';
import { runLoad } from '../../../src/checks/adapters/http-load.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import { HttpUploadSender } from '../../../src/checks/adapters/validate-http.js';
import { openValidationRows } from '../../../src/checks/adapters/validate-rows.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';
import { runConsistencyCheck } from '../../../src/checks/consistency/run.js';
import { parseMix } from '../../../src/checks/load/mix.js';
import { runValidation } from '../../../src/checks/validate/run.js';
import { startService, type RunningService } from '../../../src/runtime/service.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { MYSQL_ORIGINAL_DDL } from '../../helpers/sink-engines.js';

/**
 * End to end: `serve --database mysql://` pointed at a MariaDB that already holds the original
 * service's `user_health_data` with rows of its own, load at ratio 0.5 (both paths), then the
 * consistency check finds every accepted record once and the original's rows as they were.
 */
const ZONE = 'Asia/Shanghai';
const EXISTING = 500;

let mariadb: TestMariadb;
let redis: TestRedis;
let service: RunningService;
let admin: Connection;
let dir: string;
let previousTz: string | undefined;

/** The original's rows, created "now" in its local time (as NOW() on its host): inside the window the check reads. */
function localNow(): string {
  const wall = new Date(Date.now() + 8 * 3_600_000).toISOString();
  return `${wall.slice(0, 10)} ${wall.slice(11, 19)}`;
}

beforeAll(async () => {
  previousTz = process.env.TZ;
  process.env.TZ = ZONE;
  mariadb = await startTestMariadb();
  admin = await mariadb.admin();
  await admin.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')");
  for (const statement of MYSQL_ORIGINAL_DDL) await admin.query(statement);
  const now = localNow();
  const values = Array.from({ length: EXISTING }, (_, i) => [`ORIG_${i % 50}`, 60 + (i % 40), `2025-11-25 00:${String(i % 60).padStart(2, '0')}:00`, i % 2 ? 'optimized' : 'stream_v2', now]);
  await admin.query('INSERT INTO user_health_data (device_sn, heart_rate, "timestamp", upload_method, create_time) VALUES ?', [values]);
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'streamctl-serve-mariadb-'));
  service = await startService(
    { port: 0, redisUrl: redis.url, dataDir: dir, database: mariadb.url, ratio: 0.5, logLevel: 'error' },
    { logger: silentLogger, consistency: createConsistencyEndpoint },
  );
}, 120_000);

afterAll(async () => {
  await service?.close();
  await redis?.cleanup();
  await admin?.end().catch(() => undefined);
  await mariadb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
}, 60_000);

async function check(): Promise<ConsistencyDocument> {
  const database = await openConsistencyDatabase(mariadb.url);
  const consistencyRedis = await connectRedisConsistency(redis.url);
  try {
    return await runConsistencyCheck({ database, redis: consistencyRedis }, { atMs: Date.now() + 60_000, graceMs: 0, windowMs: 10 * 60_000 });
  } finally {
    await consistencyRedis.close();
    await database.close();
  }
}

describe('streamctl serve --database mysql:// on the original\'s table', () => {
  it('stores every accepted record once at ratio 0.5, the original\'s rows untouched, and the check agrees', async () => {
    const [before] = await admin.query('SELECT id, device_sn, heart_rate, "timestamp", create_time, upload_method FROM user_health_data ORDER BY id');
    // The legacy endpoint, which the ratio splits between the stream path and the batch path.
    // One upload per device: the original's DATETIME keeps whole seconds, so one device's readings
    // within a second would share (device_sn, timestamp) and read as duplicates, as in the original.
    const report = await runLoad({ target: service.url, rate: 200, durationMs: 2_000, devices: 1_000, connections: 8, mix: parseMix(undefined, '/upload_health_data') });
    expect(report).toMatchObject({ sent: 400, ok: 400, exit_code: 0, errors: {} });

    // Poll (bounded: 40 x 250 ms) until the consumers and the batch path have written everything.
    let doc: ConsistencyDocument | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      doc = await check();
      if (doc.verdict === 'consistent') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(doc!.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(doc).toMatchObject({ verdict: 'consistent', exit_code: 0 });
    const paths = doc!.paths!;
    let accepted = 0;
    for (const path of ['stream_v2', 'optimized'] as const) {
      for (const kind of ['health_data', 'device_info', 'common_event'] as const) {
        expect(paths[path][kind].persisted, `${path} ${kind}`).toBe(paths[path][kind].accepted);
        accepted += paths[path][kind].accepted;
      }
      // Ratio 0.5: both paths carried traffic.
      expect(paths[path].health_data.accepted).toBeGreaterThan(0);
    }
    expect(accepted).toBe(400);

    // Every stored row of ours once; the original's rows exactly as they were.
    const [ours] = await admin.query('SELECT COUNT(*) AS n, COUNT(DISTINCT ingest_id) AS ids FROM user_health_data WHERE ingest_id IS NOT NULL');
    const stored = (ours as Array<{ n: number; ids: number }>)[0]!;
    expect(Number(stored.n)).toBe(paths.stream_v2.health_data.accepted + paths.optimized.health_data.accepted);
    expect(Number(stored.ids)).toBe(Number(stored.n));
    const [after] = await admin.query('SELECT id, device_sn, heart_rate, "timestamp", create_time, upload_method FROM user_health_data WHERE ingest_id IS NULL ORDER BY id');
    expect(after).toEqual(before);

    // Through serve's own endpoint too (its sources name the database without the password).
    const endpoint = await fetch(`${service.url}/api/consistency?window=10m&grace=0s&at=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    const body = (await endpoint.json()) as ConsistencyDocument;
    expect(body.verdict).toBe('consistent');
    expect(JSON.stringify(body.sources)).not.toContain('streamctl-test-pw');
  });

  it('validate matches both paths against a database serve created on the same MariaDB (DATETIME(3): device milliseconds kept)', async () => {
    // validate sends device times with milliseconds, which the original's DATETIME cannot keep.
    await admin.query("CREATE DATABASE streamctl_fresh CHARACTER SET utf8mb4; GRANT ALL PRIVILEGES ON streamctl_fresh.* TO 'streamctl'@'127.0.0.1'");
    const url = mariadb.url.replace(/\/streamctl_test$/, '/streamctl_fresh');
    const freshDir = mkdtempSync(join(tmpdir(), 'streamctl-serve-mariadb-fresh-'));
    // A Redis of its own: on the first service's, that service's consumers would take these uploads into the other database.
    const freshRedis = await startTestRedis();
    const fresh = await startService({ port: 0, redisUrl: freshRedis.url, dataDir: freshDir, database: url, ratio: 0.5, logLevel: 'error' }, { logger: silentLogger });
    const sender = new HttpUploadSender(fresh.url, 10, 5_000);
    const rows = await openValidationRows(url);
    try {
      const report = await runValidation({ sender, rows }, { target: fresh.url, rate: 20, durationMs: 1_000, concurrency: 5, tolerance: 1e-6, maxExamples: 5, minSamples: 10, persistTimeoutMs: 10_000 });
      expect(report.examples).toEqual([]);
      expect(report).toMatchObject({ samples: 20, exit_code: 0 });
      expect(report.counts.match).toBe(20);
    } finally {
      await sender.close();
      await rows.close();
      await fresh.close();
      await freshRedis.cleanup();
      rmSync(freshDir, { recursive: true, force: true });
    }
  });
});
