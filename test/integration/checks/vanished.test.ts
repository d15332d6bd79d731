import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { createChecksFixture, healthReading, type ChecksFixture } from '../../helpers/checks-fixture.js';
import { runConsistencyCheck } from '../../../src/checks/consistency/run.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import { openSqliteConsistency } from '../../../src/checks/adapters/sqlite-consistency.js';
import { ledgerField, ledgerKey, minuteOf } from '../../../src/shared/ledger-keys.js';

const MINUTE = 60_000;
// Everything happens half an hour ago; the check judges from a fixed instant, never Date.now().
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const AT = BASE + 20 * MINUTE;

let server: TestRedis;
let nextDb = 1;
let fx: ChecksFixture | undefined;

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.cleanup();
});
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

async function fixture(): Promise<ChecksFixture> {
  fx = await createChecksFixture(server.url, nextDb++);
  return fx;
}

async function check(f: ChecksFixture): Promise<ConsistencyDocument> {
  const redis = await connectRedisConsistency(f.redisUrl);
  const database = openSqliteConsistency(f.dbPath);
  try {
    return await runConsistencyCheck({ redis, database }, { atMs: AT, windowMs: 60 * MINUTE, graceMs: 2 * MINUTE });
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

describe('data that vanished from Redis is never judged consistent', () => {
  it('a vanished ledger minute cannot hide a loss in another minute (was: consistent, exit 0)', async () => {
    const f = await fixture();
    // 11:01-ish: two batch-path uploads stored, then their ledger key goes (evicted, deleted).
    await f.acceptTraditional('health_data', healthReading('SN-A', BASE - 5_000), BASE + MINUTE);
    await f.acceptTraditional('health_data', healthReading('SN-B', BASE - 4_000), BASE + MINUTE + 1_000);
    await f.redis.del(ledgerKey(minuteOf(BASE + MINUTE)));
    // Four minutes later: two uploads answered "success" and never stored (a lost batch).
    await f.redis.hincrby(ledgerKey(minuteOf(BASE + 5 * MINUTE)), ledgerField('optimized', 'health_data', false), 2);
    const doc = await check(f);
    expect(doc.verdict).toBe('inconsistent');
    expect(doc.exit_code).toBe(1);
    const gap = find(doc, 'accepted_vs_persisted', { path: 'optimized', kind: 'health_data' });
    expect(gap.status).toBe('fail');
    expect(gap.observed).toMatchObject({ accepted: 2, persisted: 2, missing: 2, minutes_without_ledger: 1 });
  });

  it('rows in a minute whose ledger key vanished are inconclusive, not "rows nobody accepted"', async () => {
    const f = await fixture();
    await f.acceptStream('health_data', healthReading('SN-1', BASE - 1_000), BASE + 2 * MINUTE);
    await f.acceptStream('health_data', healthReading('SN-2', BASE - 1_000), BASE + 3 * MINUTE);
    await f.consume('health_data');
    await f.redis.del(ledgerKey(minuteOf(BASE + 3 * MINUTE)));
    const doc = await check(f);
    expect(doc.verdict).toBe('inconclusive');
    const gap = find(doc, 'accepted_vs_persisted', { path: 'stream_v2', kind: 'health_data' });
    expect(gap).toMatchObject({ status: 'inconclusive', observed: { missing: 0, unexpected: 0, minutes_without_ledger: 1 } });
    expect(gap.samples).toEqual([{ minute: new Date(BASE + 3 * MINUTE).toISOString().slice(0, 16), ledger: 'absent' }]);
  });

  it('a stream that vanished after its records were stored is inconclusive (was: a warning, consistent)', async () => {
    const f = await fixture();
    for (let i = 0; i < 3; i++) await f.acceptStream('health_data', healthReading(`SN-${i}`, BASE - 1_000 + i), BASE + i * 1_000);
    await f.consume('health_data');
    await f.redis.del('health_data_stream');
    const doc = await check(f);
    expect(doc.verdict).toBe('inconclusive');
    const lag = find(doc, 'consumer_lag', { kind: 'health_data' });
    expect(lag.status).toBe('inconclusive');
    expect(lag.message).toMatch(/health_data_stream is gone although the ledger counts 3 stream-path records/);
  });

  it('a stream whose group vanished is inconclusive', async () => {
    const f = await fixture();
    await f.acceptStream('health_data', healthReading('SN-1', BASE - 1_000), BASE + MINUTE);
    await f.consume('health_data');
    await f.redis.xgroup('DESTROY', 'health_data_stream', 'health_processors');
    const doc = await check(f);
    expect(doc.verdict).toBe('inconclusive');
    expect(find(doc, 'consumer_lag', { kind: 'health_data' }).message).toMatch(/consumer group health_processors does not exist/);
  });

  it('an intact Redis with idle minutes between busy ones stays consistent (a lull is not a vanished ledger)', async () => {
    const f = await fixture();
    await f.acceptStream('health_data', healthReading('SN-1', BASE - 1_000), BASE + MINUTE);
    await f.acceptTraditional('health_data', healthReading('SN-2', BASE - 1_000), BASE + 9 * MINUTE);
    await f.consume('health_data');
    const doc = await check(f);
    expect(doc.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(doc.verdict).toBe('consistent');
    expect(find(doc, 'redis_eviction').observed).toMatchObject({ maxmemory_policy: 'noeviction', evicted_keys: 0 });
  });
});
