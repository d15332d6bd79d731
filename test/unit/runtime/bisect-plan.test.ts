import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { uploadToRows } from '../../../src/runtime/records/to-rows.js';
import { afterWrite, nextSpan, planAfterRefusedBatch, unwrittenIndexes, type BisectPlan } from '../../../src/runtime/sinks/bisect-plan.js';
import { SqliteSink } from '../../../src/runtime/sinks/sqlite-sink.js';
import { writeIsolating } from '../../../src/runtime/sinks/write-isolating.js';

/** Runs a plan against a set of bad indexes: a span is refused when it holds any of them. */
function runPlan(count: number, bad: ReadonlySet<number>): { plan: BisectPlan; writes: number } {
  let plan = planAfterRefusedBatch(count);
  let writes = 1; // the whole batch, refused
  for (let span = nextSpan(plan); span; span = nextSpan(plan)) {
    writes++;
    let refused = false;
    for (let i = span.start; i < span.end; i++) if (bad.has(i)) refused = true;
    plan = afterWrite(plan, refused ? 'refused' : 'stored');
  }
  return { plan, writes };
}

describe('bisect plan', () => {
  it('finds exactly the refused records, stores every other one once, in batch order, within 2k*ceil(log2 n)+1 writes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((count) => fc.tuple(fc.constant(count), fc.uniqueArray(fc.integer({ min: 0, max: count - 1 }), { minLength: 1, maxLength: Math.min(count, 8) }))),
        ([count, badList]) => {
          const bad = new Set(badList);
          const { plan, writes } = runPlan(count, bad);
          expect([...plan.refused].sort((a, b) => a - b)).toEqual([...bad].sort((a, b) => a - b));
          const stored = plan.written.flatMap((s) => Array.from({ length: s.end - s.start }, (_, i) => s.start + i));
          expect(stored).toEqual(Array.from({ length: count }, (_, i) => i).filter((i) => !bad.has(i)));
          expect(writes).toBeLessThanOrEqual(2 * bad.size * Math.max(1, Math.ceil(Math.log2(count))) + 1);
        },
      ),
    );
  });

  it('one bad record among 1,000 costs 20 writes, not 1,000', () => {
    expect(runPlan(1_000, new Set([637])).writes).toBeLessThanOrEqual(21);
  });

  it('a batch of one is refused at once; an empty one is not a refused batch', () => {
    expect(planAfterRefusedBatch(1)).toEqual({ todo: [], written: [], refused: [0] });
    expect(() => planAfterRefusedBatch(0)).toThrow(RangeError);
  });

  it('keeps what is not yet written, in order, when the database goes away mid-plan', () => {
    let plan = planAfterRefusedBatch(10); // todo: [5,10) then [0,5) (next)
    plan = afterWrite(plan, 'refused'); // [0,5) halved: [0,3) next, [3,5)
    plan = afterWrite(plan, 'stored'); // [0,3) stored
    expect(unwrittenIndexes(plan)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(plan.written).toEqual([{ start: 0, end: 3 }]);
  });
});

describe('writeIsolating against a real SQLite database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-isolate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const upload = (i: number, sleep = 'light') => ({
    id: i,
    rows: uploadToRows('health_data', { deviceSn: `ISO_${i}`, heart_rate: 60 + i, sleepData: sleep }, { ingestKey: `key-${i}`, acceptedAtMs: Date.parse('2026-11-29T12:00:00Z'), uploadMethod: 'optimized' }),
  });

  it('stores the batch-mates of the records the database refuses and names each refused one with its own error', async () => {
    const path = join(dir, 'refuse.db');
    const sink = new SqliteSink(path);
    const admin = new Database(path);
    admin.exec("CREATE TRIGGER refuse BEFORE INSERT ON user_health_data WHEN NEW.sleep LIKE 'bad%' BEGIN SELECT RAISE(ABORT, 'refused: ' || NEW.sleep); END");
    const units = Array.from({ length: 40 }, (_, i) => upload(i, i === 7 ? 'bad-seven' : i === 31 ? 'bad-thirty-one' : 'light'));
    const outcome = await writeIsolating(sink, units, (u) => u.rows);
    expect(outcome.error).toBeUndefined();
    expect(outcome.unwritten).toEqual([]);
    expect(outcome.refused.map((r) => [r.unit.id, (r.error as Error).message])).toEqual([[7, 'refused: bad-seven'], [31, 'refused: bad-thirty-one']]);
    expect(outcome.written.map((u) => u.id)).toEqual(units.map((u) => u.id).filter((id) => id !== 7 && id !== 31));
    expect(admin.prepare('SELECT COUNT(*) AS n FROM user_health_data').get()).toEqual({ n: 38 });
    expect(outcome.writes).toBeLessThanOrEqual(2 * 2 * 6 + 1);
    admin.close();
    await sink.close();
  });

  it('stops at a database that is away (locked), keeping every unwritten unit, and never calls that a refusal', async () => {
    const path = join(dir, 'locked.db');
    const sink = new SqliteSink(path);
    const locker = new Database(path);
    locker.pragma('busy_timeout = 0');
    locker.exec('BEGIN IMMEDIATE');
    // This test's own connection holds the lock, so the sink's busy wait would only stall the test: 5 s at most.
    const units = [upload(1), upload(2)];
    const outcome = await writeIsolating(sink, units, (u) => u.rows);
    locker.exec('ROLLBACK');
    expect(outcome.refused).toEqual([]);
    expect(outcome.written).toEqual([]);
    expect(outcome.unwritten).toEqual(units);
    expect((outcome.error as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    locker.close();
    await sink.close();
  }, 20_000);
});
