import type { EvictionFacts } from '../../shared/eviction-policy.js';
import type { Kind, Path } from '../layout.js';
import type { DuplicateSummary, GroupInfo } from './ports.js';
import type { BatchQueueFacts } from './batch-queue.js';
import type { SettledWindow } from './window.js';

/** Everything read from Redis and the database for one window; the judge decides from this alone. */
export interface Observations {
  window: SettledWindow;
  /** Where "now" came from: the Redis server's clock, or --at. */
  clock: 'redis' | 'at' | 'service';
  /** Ledger minutes of the window that have a key at all. */
  ledgerMinutesFound: number;
  /**
   * Minute labels (`YYYY-MM-DDTHH:MM`) of the window whose ledger key is absent although rows or
   * stream entries were accepted in them: the key vanished (vanished.ts). Oldest first.
   */
  ledgerHoles: string[];
  /** What Redis says about eviction, and whether the caller ran with --allow-eviction. */
  eviction: EvictionFacts & { allowed: boolean };
  counts: Record<Path, Record<Kind, PathKindCounts>>;
  /** Rows whose upload_method is neither path: reported, never silently dropped. */
  otherMethods: Array<{ kind: Kind; uploadMethod: string; rows: number }>;
  duplicateReadings: Record<Path, Record<Kind, DuplicateSummary>>;
  duplicateIngestIds: Record<Kind, DuplicateSummary>;
  streams: Record<Kind, StreamObservation>;
  /**
   * serve's batch queue (batch-queue.ts), its records counted as in flight on the batch path;
   * null or absent when no serve was found to ask (a check run straight against Redis and a database).
   */
  batchQueue?: BatchQueueFacts | null;
  sampleLimit: number;
}

export interface MinuteTally {
  minute: string;
  accepted: number;
  persisted: number;
  /** Stream path: records still pending or undelivered. */
  unsettled: number;
  deadLettered: number;
}

export interface PathKindCounts {
  accepted: number;
  persisted: number;
  /** Every minute of the window with any accepted, persisted or in-flight record, oldest first. */
  minutes: MinuteTally[];
}

export interface EntrySample {
  stream_id: string;
  ingest_key?: string;
  accepted_at: string;
  absent_records?: number;
  consumer?: string;
  idle_ms?: number;
  deliveries?: number;
}

export interface EntryBucket {
  entries: number;
  records: number;
  samples: EntrySample[];
}

export interface StreamObservation {
  kind: Kind;
  stream: string;
  group: string;
  /** Null: the stream does not exist. */
  length: number | null;
  /** Null: the group does not exist. */
  groupInfo: GroupInfo | null;
  pendingCount: number;
  oldestPendingIdleMs: number | null;
  /** Pending entries accepted before the window's end, i.e. older than the grace. */
  stalePending: EntryBucket;
  pendingTruncated: boolean;
  deadLetterLength: number | null;
  trimmed: number | null;
  /** Reconciliation of the entries still in the stream whose acceptance falls in the window. */
  inWindow: {
    entries: number;
    records: number;
    persisted: number;
    missing: EntryBucket;
    pending: EntryBucket;
    undelivered: EntryBucket;
    deadLettered: EntryBucket;
    /** Dead letters of batch-path records (`upload_method optimized`); absent in observations built before they existed. */
    batchDeadLettered?: EntryBucket;
    duplicatedIds: { count: number; samples: string[] };
    scanTruncated: boolean;
  };
}

export function emptyBucket(): EntryBucket {
  return { entries: 0, records: 0, samples: [] };
}

export function addToBucket(bucket: EntryBucket, sample: EntrySample, records: number, sampleLimit: number): void {
  bucket.entries++;
  bucket.records += records;
  if (bucket.samples.length < sampleLimit) bucket.samples.push(sample);
}
