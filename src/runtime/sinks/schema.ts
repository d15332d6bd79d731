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

export type Dialect = 'sqlite' | 'postgres' | 'mysql';

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
  if (dialect === 'mysql') return mysqlColumnType(column);
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
  if (dialect === 'mysql') return mysqlAddedColumnType(column);
  if (valueClassOf(column) !== 'number') return 'TEXT';
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
}

/**
 * Times are stored as text in SQLite and PostgreSQL (see shared/stored-time.ts for the two
 * formats), as DATETIME(3) in MySQL (shared/mysql-time.ts). MySQL statements are written with
 * "double-quoted" names: its sessions run with ANSI_QUOTES (shared/mysql-session.ts).
 */
export function createTableStatement(key: TableKey, dialect: Dialect): string {
  // A plain INTEGER PRIMARY KEY is the rowid: AUTOINCREMENT would add a sqlite_sequence write per row.
  const idColumn = dialect === 'postgres' ? 'id BIGSERIAL PRIMARY KEY' : dialect === 'mysql' ? 'id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY' : 'id INTEGER PRIMARY KEY';
  const columns = COLUMNS[key].map((c) => `"${c}" ${columnType(c, dialect)}`).join(', ');
  return `CREATE TABLE ${TABLES[key]} (${idColumn}, ${columns})${dialect === 'mysql' ? MYSQL_TABLE_OPTIONS : ''}`;
}

/**
 * InnoDB (transactions), utf8mb4 (4-byte UTF-8: MySQL's `utf8` is 3-byte and refuses an emoji)
 * with the binary collation: the server's default utf8mb4_general_ci folds case, so "w1" and
 * "W1" would group as one device in the consistency check and compare equal in lookups.
 * utf8mb4_bin is PAD SPACE in MariaDB 10.11 and MySQL 5.7 ("W1" equals "W1 "); MySQL 8's
 * utf8mb4_0900_bin and MariaDB's utf8mb4_nopad_bin are not, but neither exists in both.
 */
const MYSQL_TABLE_OPTIONS = ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
const MYSQL_TEXT = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';

/**
 * MySQL types. Indexed text is VARCHAR (a TEXT column can only be indexed by a prefix): 255
 * utf8mb4 characters are 1,020 bytes, under InnoDB's 3,072-byte key limit (DYNAMIC rows,
 * MySQL 5.7 / MariaDB 10.2 on). Payloads are MEDIUMTEXT: TEXT stops at 65,535 bytes. Times are
 * DATETIME(3): milliseconds, no zone (written in UTC, or the adopted original's local time).
 */
function mysqlColumnType(column: string): string {
  if (column === 'ingest_id') return `VARCHAR(255) ${MYSQL_TEXT} NOT NULL UNIQUE`;
  if (column === 'device_sn') return `VARCHAR(255) ${MYSQL_TEXT} NOT NULL`;
  if (column === 'upload_method') return `VARCHAR(32) ${MYSQL_TEXT} NOT NULL`;
  if (column === 'create_time') return 'DATETIME(3) NOT NULL';
  if (column === 'timestamp') return 'DATETIME(3) NULL';
  return mysqlAddedColumnType(column);
}

function mysqlAddedColumnType(column: string): string {
  if (column === 'ingest_id') return `VARCHAR(255) ${MYSQL_TEXT} NULL`;
  if (column === 'device_sn' || column === 'upload_method' || column === 'event_type') return `VARCHAR(255) ${MYSQL_TEXT} NULL`;
  if (valueClassOf(column) === 'time') return 'DATETIME(3) NULL';
  if (valueClassOf(column) === 'text') return `MEDIUMTEXT ${MYSQL_TEXT} NULL`;
  return 'DOUBLE NULL';
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

/** See shared/database-settings.ts; MySQL cannot key a TEXT column without a prefix length (error 1170). */
export function settingsTableStatement(dialect: Dialect = 'sqlite'): string {
  if (dialect === 'mysql') return `CREATE TABLE ${SETTINGS_TABLE} (name VARCHAR(64) ${MYSQL_TEXT} PRIMARY KEY, value TEXT ${MYSQL_TEXT} NOT NULL)${MYSQL_TABLE_OPTIONS}`;
  return `CREATE TABLE ${SETTINGS_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)`;
}

/** Values are our own constants and a zone name; quoted for SQL all the same. */
export function settingStatement(name: string, value: string): string {
  const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
  return `INSERT INTO ${SETTINGS_TABLE} (name, value) VALUES (${quote(name)}, ${quote(value)})`;
}
