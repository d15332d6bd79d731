import { describe, expect, it } from 'vitest';
import { buildDocument } from '../../../src/checks/consistency/document.js';
import { emptyBucket, type Observations, type StreamObservation } from '../../../src/checks/consistency/observations.js';
import { judgeEviction, ledgerHoles, streamVanishedBecause } from '../../../src/checks/consistency/vanished.js';
import { KINDS, LAYOUT, PATHS } from '../../../src/checks/layout.js';
import { minuteLabel, settleWindow } from '../../../src/checks/consistency/window.js';

const AT = Date.parse('2024-05-01T12:02:00Z');
const M = (hhmm: string) => `2024-05-01T${hhmm}`;
const MINUTE_OF = (hhmm: string) => Date.parse(`${M(hhmm)}:00Z`) / 60_000;

function stream(kind: (typeof KINDS)[number]): StreamObservation {
  const l = LAYOUT[kind];
  return {
    kind, stream: l.stream, group: l.group, length: 10, groupInfo: { name: l.group, lag: 0, lastDeliveredId: '9-0', pending: 0 },
    pendingCount: 0, oldestPendingIdleMs: null, stalePending: emptyBucket(), pendingTruncated: false, deadLetterLength: null, trimmed: null,
    inWindow: { entries: 0, records: 0, persisted: 0, missing: emptyBucket(), pending: emptyBucket(), undelivered: emptyBucket(), deadLettered: emptyBucket(), duplicatedIds: { count: 0, samples: [] }, scanTruncated: false },
  };
}

/** A quiet window on a noeviction Redis: every count 0, every stream present. */
function quiet(): Observations {
  const per = <T>(make: () => T) => Object.fromEntries(PATHS.map((p) => [p, Object.fromEntries(KINDS.map((k) => [k, make()]))])) as never;
  return {
    window: settleWindow(AT, 3_600_000, 120_000),
    clock: 'at',
    ledgerMinutesFound: 0,
    ledgerHoles: [],
    eviction: { policy: 'noeviction', source: 'config', evictedKeys: 0, allowed: false },
    counts: per(() => ({ accepted: 0, persisted: 0, minutes: [] })),
    otherMethods: [],
    duplicateReadings: per(() => ({ groups: 0, surplusRows: 0, samples: [] })),
    duplicateIngestIds: Object.fromEntries(KINDS.map((k) => [k, { groups: 0, surplusRows: 0, samples: [] }])) as never,
    streams: Object.fromEntries(KINDS.map((k) => [k, stream(k)])) as never,
    sampleLimit: 5,
  };
}

const ctx = { strict: false, sources: {}, nowMs: AT };
const notOk = (obs: Observations) => buildDocument(obs, ctx).checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}:${c.path ?? ''}:${c.kind ?? ''}:${c.status}`);

describe('rule 1: a ledger minute vanished', () => {
  it('is a minute of the window with rows or entries and no key; an idle minute without a key is not', () => {
    const minutes = [MINUTE_OF('11:00'), MINUTE_OF('11:01'), MINUTE_OF('11:02'), MINUTE_OF('11:03')];
    const evidence = new Map([[M('11:00'), 3], [M('11:01'), 2], [M('11:03'), 0]]);
    // 11:00 has its key; 11:01 has rows and no key (vanished); 11:02 is idle; 11:03 has no evidence.
    expect(ledgerHoles(minutes, new Set([MINUTE_OF('11:00')]), evidence)).toEqual([M('11:01')]);
    expect(ledgerHoles(minutes, new Set(minutes), evidence)).toEqual([]);
    expect(minuteLabel(MINUTE_OF('11:01'))).toBe(M('11:01'));
  });

  it('a vanished minute cannot cancel a loss in another: the lost records fail (was: consistent)', () => {
    const obs = quiet();
    obs.ledgerMinutesFound = 1;
    obs.ledgerHoles = [M('11:10')];
    // 11:10: 2 rows, key gone (counted 0 accepted). 11:20: ledger 2 accepted, no row: lost.
    // Summed over the window that is 2 accepted, 2 persisted: equal, which used to read as ok.
    obs.counts.optimized.health_data = {
      accepted: 2, persisted: 2,
      minutes: [
        { minute: M('11:10'), accepted: 0, persisted: 2, unsettled: 0, deadLettered: 0 },
        { minute: M('11:20'), accepted: 2, persisted: 0, unsettled: 0, deadLettered: 0 },
      ],
    };
    const doc = buildDocument(obs, ctx);
    const check = doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!;
    expect(check.status).toBe('fail');
    expect(check.observed).toMatchObject({ missing: 2, minutes_without_ledger: 1 });
    expect(doc.verdict).toBe('inconsistent');
  });

  it('rows in a minute whose key vanished, and nothing lost elsewhere, are inconclusive, never ok nor "unexpected rows"', () => {
    const obs = quiet();
    obs.ledgerMinutesFound = 1;
    obs.ledgerHoles = [M('11:10')];
    obs.counts.stream_v2.health_data = {
      accepted: 3, persisted: 5,
      minutes: [
        { minute: M('11:05'), accepted: 3, persisted: 3, unsettled: 0, deadLettered: 0 },
        { minute: M('11:10'), accepted: 0, persisted: 2, unsettled: 0, deadLettered: 0 },
      ],
    };
    const doc = buildDocument(obs, ctx);
    expect(doc.verdict).toBe('inconclusive');
    const check = doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'stream_v2' && c.kind === 'health_data')!;
    expect(check).toMatchObject({ status: 'inconclusive', observed: { missing: 0, unexpected: 0 }, samples: [{ minute: M('11:10'), ledger: 'absent' }] });
    expect(check.message).toMatch(/ledger of 1 minute .* is gone/);
    // Every path and kind: the vanished key held their counts too.
    expect(doc.checks.filter((c) => c.id === 'accepted_vs_persisted').every((c) => c.status === 'inconclusive')).toBe(true);
  });
});

describe('rule 2: a stream vanished', () => {
  it('an absent stream with traces of use must have existed', () => {
    const o = { ...stream('health_data'), length: null };
    expect(streamVanishedBecause(o, { accepted: 4, persisted: 4 })).toMatch(/ledger counts 4/);
    expect(streamVanishedBecause(o, { accepted: 0, persisted: 2 })).toMatch(/2 stream-path rows/);
    expect(streamVanishedBecause({ ...o, deadLetterLength: 1 }, { accepted: 0, persisted: 0 })).toMatch(/dead-letter stream/);
    expect(streamVanishedBecause({ ...o, trimmed: 0 }, { accepted: 0, persisted: 0 })).toMatch(/trim counter/);
    expect(streamVanishedBecause(o, { accepted: 0, persisted: 0 })).toBeUndefined();
    expect(streamVanishedBecause(stream('health_data'), { accepted: 4, persisted: 4 })).toBeUndefined();
  });

  it('makes the check inconclusive even when the counts agree (was: a warning, consistent)', () => {
    const obs = quiet();
    obs.ledgerMinutesFound = 1;
    obs.counts.stream_v2.health_data = { accepted: 4, persisted: 4, minutes: [{ minute: M('11:30'), accepted: 4, persisted: 4, unsettled: 0, deadLettered: 0 }] };
    obs.streams.health_data = { ...obs.streams.health_data, length: null, groupInfo: null };
    expect(notOk(obs)).toEqual(['consumer_lag::health_data:inconclusive']);
    expect(buildDocument(obs, ctx).verdict).toBe('inconclusive');
  });

  it('a stream never used (no traces) stays a warning', () => {
    const obs = quiet();
    obs.streams.common_event = { ...obs.streams.common_event, length: null, groupInfo: null };
    expect(notOk(obs)).toEqual(['consumer_lag::common_event:warn']);
    expect(buildDocument(obs, ctx).verdict).toBe('consistent');
  });
});

describe('rule 3: a group vanished', () => {
  it('a stream without its group is inconclusive', () => {
    const obs = quiet();
    obs.streams.device_info = { ...obs.streams.device_info, groupInfo: null };
    expect(notOk(obs)).toEqual(['consumer_lag::device_info:inconclusive']);
  });
});

describe('rule 4: Redis evicted, or may evict', () => {
  const eviction = (e: Partial<Observations['eviction']>) => ({ eviction: { policy: 'noeviction', source: 'config' as const, evictedKeys: 0, allowed: false, ...e } });

  it('noeviction without evictions is ok; evicted keys are inconclusive under any policy', () => {
    expect(judgeEviction(eviction({})).status).toBe('ok');
    expect(judgeEviction(eviction({ evictedKeys: null })).status).toBe('ok');
    const evicted = judgeEviction(eviction({ evictedKeys: 3 }));
    expect(evicted).toMatchObject({ id: 'redis_eviction', status: 'inconclusive', observed: { evicted_keys: 3, maxmemory_policy: 'noeviction' } });
    expect(evicted.message).toMatch(/evicted 3 keys/);
    expect(judgeEviction(eviction({ policy: 'allkeys-lru', evictedKeys: 40, allowed: true })).status).toBe('inconclusive');
  });

  it('an evicting or unknown policy is inconclusive, or a warning saying so with --allow-eviction', () => {
    expect(judgeEviction(eviction({ policy: 'allkeys-lru' })).status).toBe('inconclusive');
    expect(judgeEviction(eviction({ policy: null, source: null, unreadable: 'CONFIG GET: ERR unknown command' })).message).toMatch(/unknown \(CONFIG GET: ERR unknown command\)/);
    const allowed = judgeEviction(eviction({ policy: 'volatile-lru', allowed: true }));
    expect(allowed.status).toBe('warn');
    expect(allowed.message).toMatch(/cannot rule out/);
    const obs = quiet();
    obs.eviction = { policy: 'allkeys-lru', source: 'config', evictedKeys: 0, allowed: true };
    const doc = buildDocument(obs, ctx);
    expect(doc.verdict).toBe('consistent');
    expect(doc.checks.find((c) => c.id === 'redis_eviction')!.message).toMatch(/cannot rule out/);
    expect(buildDocument(obs, { ...ctx, strict: true }).verdict).toBe('inconsistent');
  });
});
