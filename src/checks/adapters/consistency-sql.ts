import { TEST_DEVICE_PREFIX } from '../../shared/test-devices.js';
import type { KindLayout, Path } from '../layout.js';

/**
 * The consistency check's SQL, written once for SQLite and PostgreSQL. Times are text that sorts
 * as time in either of the two stored formats (shared/stored-time.ts), so with bounds written in
 * the database's format `create_time >= start AND create_time < end` is a time range and
 * `substr(create_time, 1, 16)` is the minute (sql-consistency.ts turns it into a UTC label).
 * Test devices are cut by prefix with substr, not LIKE: `_` is a LIKE wildcard and would match
 * far more than STREAM_TEST_. Rows without an ingest id were stored by another writer (the
 * original service, in a table serve adopted): they are not ours, so no count or group sees them.
 */
export type Placeholder = (index: number) => string;

export const sqlitePlaceholder: Placeholder = () => '?';
export const postgresPlaceholder: Placeholder = (index) => `$${index}`;

const PREFIX_LENGTH = TEST_DEVICE_PREFIX.length;

function quote(column: string): string {
  return `"${column.replace(/"/g, '""')}"`;
}

export interface Query {
  text: string;
  values: Array<string | number>;
}

/** `start` and `end` are create_time bounds in the database's stored format. */
export function countByMinuteQuery(table: string, start: string, end: string, p: Placeholder): Query {
  return {
    text:
      `SELECT upload_method AS upload_method, substr(create_time, 1, 16) AS minute, COUNT(*) AS n FROM ${table} ` +
      `WHERE create_time >= ${p(1)} AND create_time < ${p(2)} AND ingest_id IS NOT NULL AND substr(device_sn, 1, ${PREFIX_LENGTH}) <> ${p(3)} ` +
      `GROUP BY upload_method, substr(create_time, 1, 16)`,
    values: [start, end, TEST_DEVICE_PREFIX],
  };
}

/** Groups of a reading key (device_sn, timestamp[, event_type]) seen more than once within one path. */
function duplicateReadingsInner(layout: KindLayout, path: Path, start: string, end: string, p: Placeholder): Query {
  const keys = layout.readingKey.map(quote).join(', ');
  return {
    text:
      `SELECT ${keys}, COUNT(*) AS n FROM ${layout.table} ` +
      `WHERE create_time >= ${p(1)} AND create_time < ${p(2)} AND upload_method = ${p(3)} AND "timestamp" IS NOT NULL AND ingest_id IS NOT NULL ` +
      `AND substr(device_sn, 1, ${PREFIX_LENGTH}) <> ${p(4)} GROUP BY ${keys} HAVING COUNT(*) > 1`,
    values: [start, end, path, TEST_DEVICE_PREFIX],
  };
}

function duplicateIngestInner(table: string, start: string, end: string, p: Placeholder): Query {
  // NULLs form one group in GROUP BY: every row of another writer would read as one id stored many times.
  return {
    text: `SELECT ingest_id, COUNT(*) AS n FROM ${table} WHERE create_time >= ${p(1)} AND create_time < ${p(2)} AND ingest_id IS NOT NULL GROUP BY ingest_id HAVING COUNT(*) > 1`,
    values: [start, end],
  };
}

/** The same grouping twice: totals over all groups, and the largest few as samples. */
export function summaryAndSamples(inner: Query, limit: number, p: Placeholder): { totals: Query; samples: Query } {
  return {
    // Quoted: GROUPS is a reserved word in MySQL 8 (its sessions here run with ANSI_QUOTES).
    totals: { text: `SELECT COUNT(*) AS "groups", COALESCE(SUM(n - 1), 0) AS surplus FROM (${inner.text}) AS d`, values: inner.values },
    samples: { text: `${inner.text} ORDER BY n DESC LIMIT ${p(inner.values.length + 1)}`, values: [...inner.values, limit] },
  };
}

export function duplicateReadingsQueries(layout: KindLayout, path: Path, start: string, end: string, limit: number, p: Placeholder) {
  return summaryAndSamples(duplicateReadingsInner(layout, path, start, end, p), limit, p);
}

export function duplicateIngestQueries(table: string, start: string, end: string, limit: number, p: Placeholder) {
  return summaryAndSamples(duplicateIngestInner(table, start, end, p), limit, p);
}

/** Ingest ids are looked up in chunks: SQLite's variable limit, and one bounded statement per round trip. */
export const INGEST_CHUNK = 500;

export function ingestCountQuery(table: string, ids: readonly string[], p: Placeholder): Query {
  const list = ids.map((_, i) => p(i + 1)).join(', ');
  return { text: `SELECT ingest_id, COUNT(*) AS n FROM ${table} WHERE ingest_id IN (${list}) GROUP BY ingest_id`, values: [...ids] };
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Turns a sample row into its key object (never a concatenated string: design §8) and count. */
export function sampleOf(row: Record<string, unknown>, keyColumns: readonly string[]): { key: Record<string, string | null>; count: number } {
  const key: Record<string, string | null> = {};
  for (const column of keyColumns) key[column] = row[column] === null || row[column] === undefined ? null : String(row[column]);
  return { key, count: Number(row.n) };
}
