import type { StoredTime } from '../../shared/stored-time.js';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { HEALTH_FIELD_COLUMNS } from '../records/rows.js';

/** Table names; `user_health_data` is the original service's own. */
export const TABLES = {
  health: 'user_health_data',
  deviceInfo: 'user_device_info',
  events: 'user_common_event',
} as const;

export type TableKey = keyof typeof TABLES;

const BASE_COLUMNS = ['ingest_id', 'device_sn', 'timestamp', 'create_time', 'upload_method'] as const;

export const HEALTH_COLUMNS = [...BASE_COLUMNS, ...Object.values(HEALTH_FIELD_COLUMNS), 'sleep'] as const;
export const DEVICE_INFO_COLUMNS = [...BASE_COLUMNS, 'payload'] as const;
export const EVENT_COLUMNS = [...BASE_COLUMNS, 'event_type', 'payload'] as const;

export const COLUMNS: Record<TableKey, readonly string[]> = {
  health: HEALTH_COLUMNS,
  deviceInfo: DEVICE_INFO_COLUMNS,
  events: EVENT_COLUMNS,
};

export type Dialect = 'sqlite' | 'postgres';

/**
 * Columns every row of ours fills (never null). The others may be null: a reading the device did
 * not send, or (in iso-utc) a device time it did not send. An adopted table must not declare
 * those NOT NULL (adoption-plan.ts).
 */
export const ALWAYS_WRITTEN: ReadonlySet<string> = new Set(['ingest_id', 'device_sn', 'create_time', 'upload_method', 'payload']);

/** What a column holds, for matching it against an existing table's declared type (column-types.ts). */
export type ValueClass = 'text' | 'time' | 'number';

export function valueClassOf(column: string): ValueClass {
  if (column === 'timestamp' || column === 'create_time') return 'time';
  if (column === 'ingest_id' || column === 'device_sn' || column === 'upload_method' || column === 'sleep' || column === 'event_type' || column === 'payload') return 'text';
  return 'number';
}

function columnType(column: string, dialect: Dialect): string {
  if (column === 'ingest_id') return 'TEXT NOT NULL UNIQUE';
  if (column === 'device_sn' || column === 'upload_method') return 'TEXT NOT NULL';
  if (column === 'create_time') return 'TEXT NOT NULL';
  return addedColumnType(column, dialect);
}

/**
 * The type of a column added to an existing table. Always nullable: the table's existing rows
 * have no value for it, and SQLite cannot add a NOT NULL or UNIQUE column (uniqueness of the
 * ingest id comes from a separate unique index; NULLs never collide in it, in either engine).
 */
export function addedColumnType(column: string, dialect: Dialect): string {
  if (valueClassOf(column) !== 'number') return 'TEXT';
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
}

/** Times are stored as text in either engine; see shared/stored-time.ts for the two formats. */
export function createTableStatement(key: TableKey, dialect: Dialect): string {
  // A plain INTEGER PRIMARY KEY is the rowid: AUTOINCREMENT would add a sqlite_sequence write per row.
  const idColumn = dialect === 'postgres' ? 'id BIGSERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY';
  const columns = COLUMNS[key].map((c) => `"${c}" ${columnType(c, dialect)}`).join(', ');
  return `CREATE TABLE ${TABLES[key]} (${idColumn}, ${columns})`;
}

/**
 * Two indexes only, because each one costs every insert (a third, on (device_sn, timestamp), took
 * SQLite from 23 to 40 us per row): the unique ingest id that makes redelivery harmless, and
 * create_time, by which the consistency check selects its window before it groups readings.
 */
export function createTimeIndexName(table: string): string {
  return `${table}_create_time`;
}

export function createTimeIndexStatement(table: string): string {
  return `CREATE INDEX ${createTimeIndexName(table)} ON ${table} (create_time)`;
}

/** The unique index added to an adopted table (a table serve creates has an inline UNIQUE instead). */
export function ingestIndexName(table: string): string {
  return `${table}_ingest_id`;
}

export function ingestIndexStatement(table: string): string {
  return `CREATE UNIQUE INDEX ${ingestIndexName(table)} ON ${table} (ingest_id)`;
}

export type ValuesWriter = (row: object, out: unknown[], at: number) => void;

/**
 * Writes a row's values in column order into `out` from `at`. Generated once per table from the
 * constant column list (never from input), so each writer reads fixed property names into a
 * preallocated array: reading by computed key and growing arrays with push made building the
 * bind values a fifth of the consumer's CPU. Rows carry ISO 8601 UTC times; with a `time` of
 * another format, create_time and timestamp are rewritten into it here, the one place every
 * row of either path and of a replayed spill file passes through.
 */
export function valuesWriter(key: TableKey, time?: StoredTime): ValuesWriter {
  const convert = time !== undefined && time.format !== 'iso-utc';
  const body = COLUMNS[key].map((column, index) => {
    const value = `row[${JSON.stringify(column)}]`;
    if (convert && column === 'create_time') return `out[at + ${index}] = time.createTime(${value});`;
    if (convert && column === 'timestamp') return `out[at + ${index}] = time.deviceTime(${value} ?? null, row["create_time"]);`;
    return `out[at + ${index}] = ${value} ?? null;`;
  }).join('\n');
  return new Function('time', `return function write(row, out, at) {\n${body}\n};`)(time) as ValuesWriter;
}

/** See shared/database-settings.ts; same DDL in both engines. */
export function settingsTableStatement(): string {
  return `CREATE TABLE ${SETTINGS_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;
}

/** Values are our own constants and a zone name; quoted for SQL all the same. */
export function settingStatement(name: string, value: string): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return `INSERT INTO ${SETTINGS_TABLE} (name, value) VALUES (${quote(name)}, ${quote(value)})`;
}
