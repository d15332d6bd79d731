import { ingestId } from '../../shared/ingest-id.js';
import { isTestDevice } from '../../shared/test-devices.js';
import { compareStreamIds, streamIdMs } from './stream-ids.js';
import type { StreamEntry } from './ports.js';

/** What the check needs to know about one stream (or dead-letter) entry. */
export interface EntryFacts {
  id: string;
  /** The entry's uuid, the base of its rows' ingest ids (shared/ingest-id.ts). */
  ingestKey: string;
  /** Server acceptance time: the `timestamp` field, the clock of create_time and the ledger. */
  acceptedAtMs: number;
  /** List elements in the upload: each became one row. */
  records: number;
  testDevice: boolean;
}

/**
 * Mirrors the runtime's decodeEntry without importing it. An entry whose payload cannot be read
 * still counts as one record: the consumer will dead-letter it, and the check must not lose it.
 */
export function entryFacts(stream: string, entry: StreamEntry): EntryFacts {
  const f = entry.fields;
  // A dead letter keeps the original entry's id and stream; its own id is the time it died.
  const originalId = f.original_id ?? entry.id;
  const originalStream = f.stream ?? stream;
  const ingestKey = f.uuid && f.uuid.length > 0 ? f.uuid : `${originalStream}/${originalId}`;
  let envelope: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(f.payload ?? '') as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) envelope = parsed as Record<string, unknown>;
  } catch {
    envelope = undefined;
  }
  const data = envelope?.data;
  const records = Array.isArray(data) ? Math.max(1, data.length) : 1;
  const fieldMs = Number(f.timestamp);
  const envelopeSeconds = envelope?.timestamp;
  const acceptedAtMs = Number.isFinite(fieldMs) && fieldMs > 0
    ? fieldMs
    : typeof envelopeSeconds === 'number' && Number.isFinite(envelopeSeconds)
      ? Math.round(envelopeSeconds * 1000)
      : streamIdMs(originalId);
  const deviceSn = f.device_sn ?? (typeof envelope?.device_sn === 'string' ? envelope.device_sn : '');
  return { id: originalId, ingestKey, acceptedAtMs, records, testDevice: isTestDevice(deviceSn) };
}

export function ingestIdsOf(facts: EntryFacts): string[] {
  return Array.from({ length: facts.records }, (_, index) => ingestId(facts.acceptedAtMs, facts.ingestKey, index));
}

/**
 * persisted: every element has its row. The others have rows missing, and say why:
 * pending (delivered, not acked: a consumer holds it), undelivered (the group has not reached
 * it), dead_lettered (given up on and kept in `<stream>:dlq`), or missing (delivered and acked,
 * or gone from the pending list, without its rows: lost).
 */
export type EntryState = 'persisted' | 'pending' | 'undelivered' | 'dead_lettered' | 'missing';

export interface EntryContext {
  pendingIds: ReadonlySet<string>;
  deadLetteredKeys: ReadonlySet<string>;
  /** Null when the group does not exist: nothing was ever delivered. */
  lastDeliveredId: string | null;
}

export interface EntryVerdict {
  state: EntryState;
  /** Elements without a row. */
  absentRecords: number;
  /** Ingest ids stored more than once. */
  duplicatedIds: string[];
}

export function classifyEntry(facts: EntryFacts, rowCounts: ReadonlyMap<string, number>, context: EntryContext): EntryVerdict {
  const ids = ingestIdsOf(facts);
  let absentRecords = 0;
  const duplicatedIds: string[] = [];
  for (const id of ids) {
    const count = rowCounts.get(id) ?? 0;
    if (count === 0) absentRecords++;
    if (count > 1) duplicatedIds.push(id);
  }
  let state: EntryState;
  if (absentRecords === 0) state = 'persisted';
  else if (context.pendingIds.has(facts.id)) state = 'pending';
  else if (context.deadLetteredKeys.has(facts.ingestKey)) state = 'dead_lettered';
  else if (context.lastDeliveredId === null || compareStreamIds(facts.id, context.lastDeliveredId) > 0) state = 'undelivered';
  else state = 'missing';
  return { state, absentRecords, duplicatedIds };
}
