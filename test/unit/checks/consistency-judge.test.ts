import { describe, expect, it } from 'vitest';
import { buildDocument } from '../../../src/checks/consistency/document.js';
import { verdictOf, type CheckResult } from '../../../src/checks/consistency/check-result.js';
import { emptyBucket, type Observations, type StreamObservation } from '../../../src/checks/consistency/observations.js';
import { KINDS, LAYOUT, PATHS } from '../../../src/checks/layout.js';
import { settleWindow } from '../../../src/checks/consistency/window.js';
import { assertGraceCoversFlush, queuedShares } from '../../../src/checks/consistency/batch-queue.js';
import { judgedMinutesLine } from '../../../src/cli/render/judged-minutes.js';
import type { UsageError } from '../../../src/shared/errors.js';

const AT = Date.parse('2024-05-01T12:02:00Z');

function stream(kind: (typeof KINDS)[number]): StreamObservation {
  const l = LAYOUT[kind];
  return {
    kind, stream: l.stream, group: l.group, length: 10, groupInfo: { name: l.group, lag: 0, lastDeliveredId: '9-0', pending: 0 },
    pendingCount: 0, oldestPendingIdleMs: null, stalePending: emptyBucket(), pendingTruncated: false, deadLetterLength: 0, trimmed: 0,
    inWindow: { entries: 0, records: 0, persisted: 0, missing: emptyBucket(), pending: emptyBucket(), undelivered: emptyBucket(), deadLettered: emptyBucket(), duplicatedIds: { count: 0, samples: [] }, scanTruncated: false },
  };
}

function observations(): Observations {
  const per = <T>(make: () => T) => Object.fromEntries(PATHS.map((p) => [p, Object.fromEntries(KINDS.map((k) => [k, make()]))])) as never;
  return {
    window: settleWindow(AT, 3_600_000, 120_000),
    clock: 'at',
    ledgerMinutesFound: 60,
    ledgerHoles: [],
    eviction: { policy: 'noeviction', source: 'config', evictedKeys: 0, allowed: false },
    counts: per(() => ({ accepted: 10, persisted: 10, minutes: [{ minute: '2024-05-01T11:30', accepted: 10, persisted: 10, unsettled: 0, deadLettered: 0 }] })),
    otherMethods: [],
    duplicateReadings: per(() => ({ groups: 0, surplusRows: 0, samples: [] })),
    duplicateIngestIds: Object.fromEntries(KINDS.map((k) => [k, { groups: 0, surplusRows: 0, samples: [] }])) as never,
    streams: Object.fromEntries(KINDS.map((k) => [k, stream(k)])) as never,
    sampleLimit: 5,
  };
}

const ctx = { strict: false, sources: {}, nowMs: AT };
const failing = (doc: ReturnType<typeof buildDocument>) => doc.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}:${c.path ?? ''}:${c.kind}:${c.status}`);

describe('consistency judgement', () => {
  it('all accounted for is consistent, and the document carries schema, window and thresholds', () => {
    const doc = buildDocument(observations(), ctx);
    expect(failing(doc)).toEqual([]);
    expect(doc).toMatchObject({ schema: 'streamctl.consistency/v1', verdict: 'consistent', exit_code: 0, window: { start: '2024-05-01T11:00:00.000Z', end: '2024-05-01T12:00:00.000Z', grace_ms: 120_000 } });
    expect(doc.checks.every((c) => Object.keys(c.threshold).length > 0)).toBe(true);
  });

  it('a record persisted nowhere is a failure naming the minute; in flight is not', () => {
    const obs = observations();
    obs.counts.optimized.health_data = { accepted: 10, persisted: 9, minutes: [{ minute: '2024-05-01T11:30', accepted: 10, persisted: 9, unsettled: 0, deadLettered: 0 }] };
    const doc = buildDocument(obs, ctx);
    expect(failing(doc)).toEqual(['accepted_vs_persisted:optimized:health_data:fail']);
    expect(doc.checks.find((c) => c.status === 'fail')!.samples).toEqual([{ minute: '2024-05-01T11:30', accepted: 10, persisted: 9, in_flight: 0, dead_lettered: 0 }]);

    const inFlight = observations();
    inFlight.counts.stream_v2.health_data = { accepted: 10, persisted: 9, minutes: [] };
    inFlight.streams.health_data.inWindow.pending = { entries: 1, records: 1, samples: [] };
    expect(failing(buildDocument(inFlight, ctx))).toEqual([]);
  });

  it('more rows than accepted is a failure too (duplicates cannot cancel out: counts, not XOR)', () => {
    const obs = observations();
    obs.counts.stream_v2.common_event = { accepted: 10, persisted: 11, minutes: [] };
    expect(buildDocument(obs, ctx).checks.find((c) => c.id === 'accepted_vs_persisted' && c.kind === 'common_event' && c.path === 'stream_v2')!.observed).toMatchObject({ missing: 0, unexpected: 1 });
  });

  it('more rows than the ledger after a Redis restart inside the window is inconclusive, not a duplicate; fewer still fails', () => {
    const obs = observations();
    obs.eviction.startedAtMs = Date.parse('2024-05-01T11:40:00Z');
    obs.counts.optimized.health_data = { accepted: 1, persisted: 2, minutes: [{ minute: '2024-05-01T11:39', accepted: 1, persisted: 2, unsettled: 0, deadLettered: 0 }] };
    const doc = buildDocument(obs, ctx);
    const check = doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!;
    expect(check).toMatchObject({ status: 'inconclusive', message: expect.stringContaining('Redis restarted at 2024-05-01T11:40:00.000Z') });
    expect(doc.verdict).toBe('inconclusive');

    obs.counts.optimized.health_data = { accepted: 3, persisted: 2, minutes: [] };
    expect(buildDocument(obs, ctx).checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!.status).toBe('fail');

    const before = observations();
    before.eviction.startedAtMs = Date.parse('2024-05-01T09:00:00Z');
    before.counts.optimized.health_data = { accepted: 1, persisted: 2, minutes: [] };
    expect(buildDocument(before, ctx).checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!.status).toBe('fail');
  });

  it('rows without any ledger are inconclusive, never equal; no traffic at all is fine', () => {
    const obs = observations();
    obs.ledgerMinutesFound = 0;
    expect(buildDocument(obs, ctx).verdict).toBe('inconclusive');
    const quiet = observations();
    quiet.ledgerMinutesFound = 0;
    for (const p of PATHS) for (const k of KINDS) quiet.counts[p][k] = { accepted: 0, persisted: 0, minutes: [] };
    expect(buildDocument(quiet, ctx).verdict).toBe('consistent');
  });

  it('unknown lag, a missing group and stale pending work are inconclusive', () => {
    const obs = observations();
    obs.streams.device_info.groupInfo = { ...obs.streams.device_info.groupInfo!, lag: null };
    expect(failing(buildDocument(obs, ctx))).toEqual(['consumer_lag::device_info:inconclusive']);
    obs.streams.device_info.groupInfo = null;
    expect(buildDocument(obs, ctx).exit_code).toBe(3);
  });

  it('duplicate health readings fail; duplicate events only warn unless --strict', () => {
    const obs = observations();
    obs.duplicateReadings.stream_v2.common_event = { groups: 1, surplusRows: 1, samples: [] };
    expect(buildDocument(obs, ctx).verdict).toBe('consistent');
    expect(buildDocument(obs, { ...ctx, strict: true }).verdict).toBe('inconsistent');
    obs.duplicateReadings.stream_v2.health_data = { groups: 1, surplusRows: 2, samples: [{ key: { device_sn: 'a', timestamp: 't' }, count: 3 }] };
    expect(buildDocument(obs, ctx).exit_code).toBe(1);
  });

  it('a failure outranks inconclusive', () => {
    const c = (status: CheckResult['status']): CheckResult => ({ id: 'x', status, message: '', observed: {}, threshold: {} });
    expect(verdictOf([c('inconclusive'), c('fail')], false)).toBe('inconsistent');
    expect(verdictOf([c('inconclusive'), c('warn')], true)).toBe('inconsistent');
    expect(verdictOf([c('inconclusive'), c('warn')], false)).toBe('inconclusive');
    expect(verdictOf([c('ok'), c('warn')], false)).toBe('consistent');
  });

  it('records waiting in serve\'s batch queue are in flight on the batch path, never more than its gap (issue 11)', () => {
    const obs = observations();
    obs.counts.optimized.health_data = { accepted: 30, persisted: 0, minutes: [{ minute: '2024-05-01T11:59', accepted: 30, persisted: 0, unsettled: 0, deadLettered: 0 }] };
    obs.counts.optimized.device_info = { accepted: 12, persisted: 10, minutes: [] };
    expect(buildDocument(obs, ctx).verdict).toBe('inconsistent');
    obs.batchQueue = { queued: 40, flushIntervalMs: 5_000 };
    const doc = buildDocument(obs, ctx);
    expect(failing(doc)).toEqual([]);
    expect(doc.batch_queue).toEqual({ queued: 40, flush_interval_ms: 5_000 });
    const gap = (kind: string) => doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === kind)!;
    expect(gap('health_data').observed).toMatchObject({ in_flight: 30, batch_queue: 30, missing: 0, unexpected: 0 });
    expect(gap('health_data').message).toContain('30 records still in serve\'s batch queue');
    // 10 left for device_info, which misses 2: the rest of the queue is newer than the window.
    expect(gap('device_info').observed).toMatchObject({ in_flight: 2, batch_queue: 2, missing: 0 });
    expect(gap('common_event').observed).toMatchObject({ in_flight: 0, batch_queue: 0 });
    // Never on the stream path, and never hiding more than the queue holds.
    expect(doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'stream_v2')!.observed).not.toHaveProperty('batch_queue');
    // A queue whose oldest record was accepted after the window's end holds none of it: a loss stays a loss.
    obs.batchQueue = { queued: 40, flushIntervalMs: 5_000, oldestAcceptedAtMs: obs.window.endMs };
    expect(buildDocument(obs, ctx).verdict).toBe('inconsistent');
    obs.batchQueue = { queued: 40, flushIntervalMs: 5_000, oldestAcceptedAtMs: obs.window.endMs - 1 };
    expect(buildDocument(obs, ctx).verdict).toBe('consistent');
    obs.batchQueue = { queued: 20, flushIntervalMs: 5_000 };
    expect(gap.call(null, 'health_data') && buildDocument(obs, ctx).checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!.observed).toMatchObject({ in_flight: 20, missing: 10 });
  });

  it('a grace shorter than the flush interval is a usage error naming both; an unknown interval is not judged', () => {
    expect(() => assertGraceCoversFlush(0, 5_000, 'http://127.0.0.1:5225')).toThrow(/--grace 0ms is shorter than the batch queue's flush interval \(5s on http:\/\/127.0.0.1:5225\)/);
    try {
      assertGraceCoversFlush(4_000, 5_000, 'x');
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(64);
    }
    expect(() => assertGraceCoversFlush(5_000, 5_000, 'x')).not.toThrow();
    expect(() => assertGraceCoversFlush(0, null, 'x')).not.toThrow();
    expect(queuedShares(5, { health_data: 3, device_info: -4, common_event: 9 })).toEqual({ health_data: 3, device_info: 0, common_event: 2 });
  });

  it('the human report names the minutes judged and when the next one will be', () => {
    expect(judgedMinutesLine({ start: '2024-05-01T11:00:00.000Z', end: '2024-05-01T12:00:00.000Z', grace_ms: 120_000 }))
      .toBe('minutes judged: 2024-05-01 11:00 .. 11:59 UTC (60); accepted at 2024-05-01T12:00:00Z or later: judged from 2024-05-01T12:03:00Z on (--grace 2m)');
    expect(judgedMinutesLine({ start: '2024-04-30T23:59:00.000Z', end: '2024-05-01T00:01:00.000Z', grace_ms: 5_000 }))
      .toBe('minutes judged: 2024-04-30 23:59 .. 2024-05-01 00:00 UTC (2); accepted at 2024-05-01T00:01:00Z or later: judged from 2024-05-01T00:02:05Z on (--grace 5s)');
  });
});
