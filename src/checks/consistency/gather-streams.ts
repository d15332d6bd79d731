import { deadLetterStreamOf, type KindLayout } from '../layout.js';
import { classifyEntry, entryFacts, ingestIdsOf, type EntryFacts } from './entries.js';
import { addToBucket, emptyBucket, type EntrySample, type StreamObservation } from './observations.js';
import type { ConsistencyDatabase, ConsistencyRedis } from './ports.js';
import { streamIdMs } from './stream-ids.js';
import { isoOf, minuteLabel, type SettledWindow } from './window.js';

export interface ScanLimits {
  /** Entries read per XRANGE page; each page is one `ingest_id IN (...)` round of queries. */
  pageSize: number;
  /** Past this many entries of one stream the reconciliation stops and says so (inconclusive). */
  maxEntries: number;
  /** Pending entries read per group. */
  maxPending: number;
  /**
   * Stream ids come from Redis's clock, the `timestamp` field (the window's clock) from the
   * service's. The id range is widened by this much so a skew up to it cannot hide an entry.
   */
  clockSlackMs: number;
  sampleLimit: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { pageSize: 500, maxEntries: 1_000_000, maxPending: 100_000, clockSlackMs: 60_000, sampleLimit: 5 };

export interface StreamGathering {
  observation: StreamObservation;
  /** Per minute label: records in flight (pending or undelivered) and dead-lettered, not persisted. */
  unsettledByMinute: Map<string, number>;
  deadLetteredByMinute: Map<string, number>;
  /** The same for the batch path's dead letters (`upload_method optimized`, runtime/batch-dead-letters.ts). */
  batchDeadLetteredByMinute: Map<string, number>;
  /** Per minute label: records of every window entry still in the stream, whatever its state (vanished.ts, rule 1). */
  entriesByMinute: Map<string, number>;
}

function inWindow(facts: EntryFacts, window: SettledWindow): boolean {
  return !facts.testDevice && facts.acceptedAtMs >= window.startMs && facts.acceptedAtMs < window.endMs;
}

function sampleOf(facts: EntryFacts, absent: number): EntrySample {
  return { stream_id: facts.id, ingest_key: facts.ingestKey, accepted_at: isoOf(facts.acceptedAtMs), absent_records: absent };
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

async function rowCountsFor(db: ConsistencyDatabase, table: string, facts: readonly EntryFacts[]): Promise<Map<string, number>> {
  return db.ingestIdCounts(table, facts.flatMap(ingestIdsOf));
}

export async function gatherStream(redis: ConsistencyRedis, db: ConsistencyDatabase, layout: KindLayout, window: SettledWindow, limits: ScanLimits): Promise<StreamGathering> {
  const { stream, group } = layout;
  const n = limits.sampleLimit;
  const length = await redis.streamLength(stream);
  const groupInfo = length === null ? null : await redis.group(stream, group);
  const unsettledByMinute = new Map<string, number>();
  const deadLetteredByMinute = new Map<string, number>();
  const batchDeadLetteredByMinute = new Map<string, number>();
  const entriesByMinute = new Map<string, number>();

  // Pending: the whole list, to name what is stuck and to tell in-flight from lost.
  const pending = groupInfo ? await redis.pending(stream, group, limits.maxPending) : { entries: [], truncated: false };
  const pendingById = new Map(pending.entries.map((p) => [p.id, p]));
  const stalePending = emptyBucket();
  let oldestIdle: number | null = null;
  for (const p of pending.entries) {
    oldestIdle = Math.max(oldestIdle ?? 0, p.idleMs);
    if (streamIdMs(p.id) < window.atMs - window.graceMs) {
      addToBucket(stalePending, { stream_id: p.id, accepted_at: isoOf(streamIdMs(p.id)), consumer: p.consumer, idle_ms: p.idleMs, deliveries: p.deliveries }, 1, n);
    }
  }

  // Dead letters: every key (to classify stream entries) and the window's own records.
  const dlq = deadLetterStreamOf(stream);
  const deadLetterLength = await redis.streamLength(dlq);
  const deadLetteredKeys = new Set<string>();
  const deadLettered = emptyBucket();
  const batchDeadLettered = emptyBucket();
  if (deadLetterLength !== null && deadLetterLength > 0) {
    const windowFacts: EntryFacts[] = [];
    // Dead letters of records the batch path accepted: their books are that path's, not the stream's.
    const batchKeys = new Set<string>();
    for await (const page of redis.range(dlq, `${window.startMs - limits.clockSlackMs}`, '+', limits.pageSize)) {
      for (const entry of page) {
        const facts = entryFacts(stream, entry);
        deadLetteredKeys.add(facts.ingestKey);
        if (entry.fields.upload_method === 'optimized') batchKeys.add(facts.ingestKey);
        if (inWindow(facts, window)) windowFacts.push(facts);
      }
    }
    const counts = await rowCountsFor(db, layout.table, windowFacts);
    const seen = new Set<string>();
    for (const facts of windowFacts) {
      if (seen.has(facts.ingestKey)) continue;
      seen.add(facts.ingestKey);
      const absent = ingestIdsOf(facts).filter((id) => !counts.get(id)).length;
      if (absent === 0) continue;
      const batch = batchKeys.has(facts.ingestKey);
      addToBucket(batch ? batchDeadLettered : deadLettered, sampleOf(facts, absent), absent, n);
      bump(batch ? batchDeadLetteredByMinute : deadLetteredByMinute, minuteLabel(Math.floor(facts.acceptedAtMs / 60_000)), absent);
    }
  }

  // The window's entries still in the stream, one page at a time, against rows by ingest id.
  const inWin = { entries: 0, records: 0, persisted: 0, missing: emptyBucket(), pending: emptyBucket(), undelivered: emptyBucket(), deadLettered, batchDeadLettered, duplicatedIds: { count: 0, samples: [] as string[] }, scanTruncated: false };
  const context = { pendingIds: new Set(pendingById.keys()), deadLetteredKeys, lastDeliveredId: groupInfo?.lastDeliveredId ?? null };
  if (length !== null && length > 0) {
    let scanned = 0;
    const from = `${Math.max(0, window.startMs - limits.clockSlackMs)}`;
    const to = `${window.endMs + limits.clockSlackMs}`;
    for await (const page of redis.range(stream, from, to, limits.pageSize)) {
      scanned += page.length;
      const facts = page.map((entry) => entryFacts(stream, entry)).filter((f) => inWindow(f, window));
      const counts = await rowCountsFor(db, layout.table, facts);
      for (const f of facts) {
        const verdict = classifyEntry(f, counts, context);
        inWin.entries++;
        inWin.records += f.records;
        inWin.persisted += f.records - verdict.absentRecords;
        for (const id of verdict.duplicatedIds) {
          inWin.duplicatedIds.count++;
          if (inWin.duplicatedIds.samples.length < n) inWin.duplicatedIds.samples.push(id);
        }
        const sample = sampleOf(f, verdict.absentRecords);
        const minute = minuteLabel(Math.floor(f.acceptedAtMs / 60_000));
        bump(entriesByMinute, minute, f.records);
        if (verdict.state === 'missing') addToBucket(inWin.missing, sample, verdict.absentRecords, n);
        if (verdict.state === 'undelivered') {
          addToBucket(inWin.undelivered, sample, verdict.absentRecords, n);
          bump(unsettledByMinute, minute, verdict.absentRecords);
        }
        if (verdict.state === 'pending') {
          const p = pendingById.get(f.id)!;
          addToBucket(inWin.pending, { ...sample, consumer: p.consumer, idle_ms: p.idleMs, deliveries: p.deliveries }, verdict.absentRecords, n);
          bump(unsettledByMinute, minute, verdict.absentRecords);
        }
      }
      if (scanned >= limits.maxEntries) {
        inWin.scanTruncated = true;
        break;
      }
    }
  }

  const observation: StreamObservation = {
    kind: layout.kind,
    stream,
    group,
    length,
    groupInfo,
    pendingCount: groupInfo?.pending ?? 0,
    oldestPendingIdleMs: oldestIdle,
    stalePending,
    pendingTruncated: pending.truncated,
    deadLetterLength,
    trimmed: await redis.trimmedCount(stream),
    inWindow: inWin,
  };
  return { observation, unsettledByMinute, deadLetteredByMinute, batchDeadLetteredByMinute, entriesByMinute };
}
