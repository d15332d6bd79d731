import { describe, expect, it } from 'vitest';
import { accountLoss, removedByOthers, reportedLag, undeliveredPresent, type LossCheckpoint, type LossObservation } from '../../../src/runtime/streams/loss-accounting.js';

const RUN = 'run-a';
const base: LossObservation = { runId: RUN, entriesAdded: 0, length: 0, trimmedByStreamctl: 0, maxDeletedId: '0-0', phantom: 0 };
const checkpoint = (c: Partial<LossCheckpoint>): LossCheckpoint => ({ removedByOthers: 0, entriesAdded: 0, maxDeletedId: '0-0', runId: RUN, phantom: 0, ...c });

describe('loss accounting (facts that survive a Redis restart)', () => {
  it('a clean restart after 3 persisted uploads is no loss, whatever lag Redis reports (entries-read 0, lag 3)', () => {
    // Before the restart: 3 added, 3 kept, read and acked; accounted in run-a with phantom 0.
    const before = checkpoint({ entriesAdded: 3, phantom: 0 });
    // After: a new Redis run; the group is at the last entry (undelivered 0) and Redis says lag 3.
    const after = accountLoss({ ...base, runId: 'run-b', entriesAdded: 3, length: 3, phantom: 3 }, before);
    expect(after.lost).toBe(0);
    expect(after.unverified).toBe(0);
    // The stale lag becomes the new run's baseline, so it is never read as a loss later either.
    expect(after.checkpoint).toEqual({ removedByOthers: 0, entriesAdded: 3, maxDeletedId: '0-0', runId: 'run-b', phantom: 3 });
    const later = accountLoss({ ...base, runId: 'run-b', entriesAdded: 10, length: 10, phantom: 3 }, after.checkpoint);
    expect(later).toEqual({ lost: 0, unverified: 0, recreated: false });
  });

  it('the same restart with no checkpoint at all (accounting starts now) is no loss either', () => {
    expect(accountLoss({ ...base, entriesAdded: 3, length: 3, phantom: 3 }, undefined)).toMatchObject({ lost: 0, unverified: 0 });
  });

  it("streamctl's own trims (below what every group acked) never count as removals by others", () => {
    expect(removedByOthers({ entriesAdded: 100, length: 40, trimmedByStreamctl: 60 })).toBe(0);
    const result = accountLoss({ ...base, entriesAdded: 100, length: 40, trimmedByStreamctl: 60, phantom: 0 }, checkpoint({ entriesAdded: 50 }));
    expect(result.lost).toBe(0);
    expect(result.unverified).toBe(0);
  });

  it('counts entries another writer trimmed before delivery: the phantom growth, within one Redis run', () => {
    // 130 acked entries plus 12 never read; XTRIM MAXLEN 0 removes all 142; Redis keeps 12 in lag.
    const before = checkpoint({ entriesAdded: 130, phantom: 0 });
    const result = accountLoss({ ...base, entriesAdded: 142, length: 0, phantom: 12 }, before);
    expect(result.lost).toBe(12);
    expect(result.unverified).toBe(0);
    expect(result.checkpoint).toMatchObject({ removedByOthers: 142, phantom: 12 });
    // Counted once: the next pass finds nothing new.
    expect(accountLoss({ ...base, entriesAdded: 150, length: 8, phantom: 12 }, result.checkpoint).lost).toBe(0);
  });

  it('another writer trimming only acked entries loses nothing', () => {
    const result = accountLoss({ ...base, entriesAdded: 200, length: 50, phantom: 0 }, checkpoint({ entriesAdded: 190 }));
    expect(result).toMatchObject({ lost: 0, unverified: 0, checkpoint: { removedByOthers: 150 } });
  });

  it('never counts more lost than others removed, even if lag jumped for another reason', () => {
    expect(accountLoss({ ...base, entriesAdded: 20, length: 15, phantom: 40 }, checkpoint({ entriesAdded: 20 })).lost).toBe(5);
  });

  it('removals across a Redis restart cannot be classified: unverified, neither lost nor fine', () => {
    const result = accountLoss({ ...base, runId: 'run-b', entriesAdded: 50, length: 30, phantom: 7 }, checkpoint({ entriesAdded: 50, phantom: 0 }));
    expect(result).toMatchObject({ lost: 0, unverified: 20, checkpoint: { removedByOthers: 20, runId: 'run-b', phantom: 7 } });
  });

  it('removals with an XDEL since the checkpoint are unverified: Redis re-estimates lag across a deletion', () => {
    const result = accountLoss({ ...base, entriesAdded: 50, length: 49, maxDeletedId: '17-0', phantom: 0 }, checkpoint({ entriesAdded: 50 }));
    expect(result).toMatchObject({ lost: 0, unverified: 1 });
  });

  it('waits for a pass where the phantom can be measured, with nothing written meanwhile', () => {
    expect(accountLoss({ ...base, entriesAdded: 60, length: 40, phantom: null }, checkpoint({ entriesAdded: 55 }))).toEqual({ lost: 0, unverified: 0, recreated: false });
  });

  it('a stream deleted and created again starts the accounting over', () => {
    const result = accountLoss({ ...base, entriesAdded: 4, length: 4, phantom: 0 }, checkpoint({ entriesAdded: 900, removedByOthers: 3 }));
    expect(result).toMatchObject({ lost: 0, unverified: 0, recreated: true, checkpoint: { removedByOthers: 0, entriesAdded: 4 } });
    // Also when the old checkpoint is older than the new key's growth: own trims outlived the old key.
    expect(accountLoss({ ...base, entriesAdded: 5_000, length: 4_990, trimmedByStreamctl: 40_000, phantom: 0 }, checkpoint({ entriesAdded: 900 })).recreated).toBe(true);
  });

  it('writes nothing when nothing but entries-added changed (no write per upload)', () => {
    expect(accountLoss({ ...base, entriesAdded: 9, length: 9, phantom: 0 }, checkpoint({ entriesAdded: 9 })).checkpoint).toBeUndefined();
    expect(accountLoss({ ...base, entriesAdded: 90, length: 90, phantom: 0 }, checkpoint({ entriesAdded: 9 })).checkpoint).toBeUndefined();
  });
});

describe('undelivered entries the ids alone settle', () => {
  const stream = { length: 5, firstId: '100-0', lastId: '500-0' };
  it('none at or past the last entry, all behind the first, unknown in between', () => {
    expect(undeliveredPresent(stream, '500-0')).toBe(0);
    expect(undeliveredPresent(stream, '999-0')).toBe(0);
    expect(undeliveredPresent(stream, '99-5')).toBe(5);
    expect(undeliveredPresent(stream, '300-0')).toBeUndefined();
    expect(undeliveredPresent({ length: 0 }, '0-0')).toBe(0);
  });
});

describe('reported lag', () => {
  it('is the settled count, else Redis lag less the phantom of this run, never more than the entries present', () => {
    expect(reportedLag({ redisLag: 3, undelivered: 0, phantom: null, length: 3 })).toBe(0);
    expect(reportedLag({ redisLag: 20, undelivered: undefined, phantom: 12, length: 100 })).toBe(8);
    // After a restart, before any measurement: Redis says everything ever added; only 40 are there.
    expect(reportedLag({ redisLag: 5_000, undelivered: undefined, phantom: null, length: 40 })).toBe(40);
    expect(reportedLag({ redisLag: null, undelivered: undefined, phantom: null, length: 40 })).toBeNull();
    expect(reportedLag({ redisLag: null, undelivered: 7, phantom: null, length: 7 })).toBe(7);
  });
});
