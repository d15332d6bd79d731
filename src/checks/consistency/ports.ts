import type { EvictionFacts } from '../../shared/eviction-policy.js';
import type { KindLayout, Path } from '../layout.js';

/**
 * What the consistency check needs from the database, in one interface both SQLite and
 * PostgreSQL satisfy. Every method excludes test devices (TEST_DEVICE_PREFIX) unless it reads by
 * ingest id. A method that cannot read throws; it never answers "0 rows" for an absent table.
 */
export interface ConsistencyDatabase {
  /** `sqlite:/path` or `postgres://host/db` without credentials. */
  readonly description: string;
  /** Throws SchemaError naming the first absent table or column. */
  verifySchema(tables: readonly KindLayout[]): Promise<void>;
  /** Rows per (upload_method, minute of create_time) in [startIso, endIso). */
  countByMinute(table: string, startIso: string, endIso: string): Promise<MinuteCount[]>;
  /** Groups of more than one row with the same reading key, within one path. */
  duplicateReadings(layout: KindLayout, path: Path, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary>;
  /** Ingest ids stored more than once (only possible where the unique index is missing). */
  duplicateIngestIds(table: string, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary>;
  /** How many rows hold each of these ingest ids (absent ids are absent from the map). */
  ingestIdCounts(table: string, ingestIds: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface MinuteCount {
  uploadMethod: string;
  /** `YYYY-MM-DDTHH:MM` (UTC). */
  minute: string;
  rows: number;
}

export interface DuplicateSummary {
  groups: number;
  /** Rows in those groups beyond the first of each: what a cleanup would delete. */
  surplusRows: number;
  samples: Array<{ key: Record<string, string | null>; count: number }>;
}

export class SchemaError extends Error {
  override name = 'SchemaError';
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface GroupInfo {
  name: string;
  /** Null when Redis cannot tell (XINFO GROUPS `lag` is null after deletions, absent before 7.0). */
  lag: number | null;
  lastDeliveredId: string;
  pending: number;
}

export interface PendingEntry {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

/** What the check needs from Redis: the ledger, the streams, their groups and dead letters. */
export interface ConsistencyRedis {
  readonly description: string;
  /** The Redis server's clock (TIME), the clock stream ids are made of. */
  timeMs(): Promise<number>;
  /** HGETALL of each ledger minute; minutes with no key are absent from the map. */
  ledger(minutes: readonly number[]): Promise<Map<number, Record<string, number>>>;
  /** Null when the stream does not exist. */
  streamLength(stream: string): Promise<number | null>;
  /** Null when the group does not exist. */
  group(stream: string, group: string): Promise<GroupInfo | null>;
  /** The whole pending list of a group, up to `limit` entries. */
  pending(stream: string, group: string, limit: number): Promise<{ entries: PendingEntry[]; truncated: boolean }>;
  /** Entries with ids in [startId, endId], in pages. */
  range(stream: string, startId: string, endId: string, pageSize: number): AsyncIterable<StreamEntry[]>;
  /** `streamctl:trimmed:<stream>`; null when the key is absent (a deployment that does not count). */
  trimmedCount(stream: string): Promise<number | null>;
  /** maxmemory-policy and evicted_keys (shared/eviction-policy.ts); unknown values are null, never a throw. */
  eviction(): Promise<EvictionFacts>;
  close(): Promise<void>;
}
