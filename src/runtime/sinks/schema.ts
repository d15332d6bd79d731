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

type Dialect = 'sqlite' | 'postgres';

function columnType(column: string, dialect: Dialect): string {
  if (column === 'ingest_id') return 'TEXT NOT NULL UNIQUE';
  if (column === 'device_sn' || column === 'upload_method') return 'TEXT NOT NULL';
  if (column === 'create_time') return 'TEXT NOT NULL';
  if (column === 'timestamp' || column === 'sleep' || column === 'event_type' || column === 'payload') return 'TEXT';
  return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'REAL';
}

/**
 * DDL for both sinks. Times are ISO 8601 UTC text, which sorts as time in both engines and reads
 * plainly in a shell. Two indexes only, because each one costs every insert (a third, on
 * (device_sn, timestamp), took SQLite from 23 to 40 us per row): the unique ingest id that makes
 * redelivery harmless, and create_time, by which the consistency check selects its window before
 * it groups readings.
 */
export function schemaStatements(dialect: Dialect): string[] {
  // A plain INTEGER PRIMARY KEY is the rowid: AUTOINCREMENT would add a sqlite_sequence write per row.
  const idColumn = dialect === 'postgres' ? 'id BIGSERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY';
  const statements: string[] = [];
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const table = TABLES[key];
    const columns = COLUMNS[key].map((c) => `"${c}" ${columnType(c, dialect)}`).join(', ');
    statements.push(`CREATE TABLE IF NOT EXISTS ${table} (${idColumn}, ${columns})`);
    statements.push(`CREATE INDEX IF NOT EXISTS ${table}_create_time ON ${table} (create_time)`);
  }
  return statements;
}

export type ValuesWriter = (row: object, out: unknown[], at: number) => void;

/**
 * Writes a row's values in column order into `out` from `at`. Generated once per table from the
 * constant column list (never from input), so each writer reads fixed property names into a
 * preallocated array: reading by computed key and growing arrays with push made building the
 * bind values a fifth of the consumer's CPU.
 */
export function valuesWriter(key: TableKey): ValuesWriter {
  const body = COLUMNS[key].map((column, index) => `out[at + ${index}] = row[${JSON.stringify(column)}] ?? null;`).join('\n');
  return new Function('row', 'out', 'at', body) as ValuesWriter;
}
