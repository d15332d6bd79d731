import { SETTING, SETTINGS_TABLE, storedTimeOf } from '../../shared/database-settings.js';
import type { TimeFormat } from '../../shared/stored-time.js';
import { typeProblem } from './column-types.js';
import {
  ALWAYS_WRITTEN, COLUMNS, TABLES, addedColumnType, createTableStatement, createTimeIndexName, createTimeIndexStatement,
  ingestIndexName, ingestIndexStatement, settingStatement, settingsTableStatement, valueClassOf, type Dialect, type TableKey,
} from './schema.js';

/**
 * What `streamctl serve` does to the database it is pointed at, decided from what is there:
 * create what is absent, adopt an existing table (the original service's `user_health_data`
 * among them) by adding what is missing, or refuse when writing into it cannot work. Pure: the
 * adapters (sqlite-schema.ts, postgres-schema.ts) read the snapshot and run the statements in one
 * transaction. Existing rows are never rewritten, deleted or copied; only columns (NULL in the
 * existing rows), indexes and the settings table are added.
 */

/** One column as `PRAGMA table_info` / information_schema.columns describe it. */
export interface ExistingColumn {
  name: string;
  /** As declared (SQLite), information_schema's data_type (PostgreSQL) or COLUMN_TYPE (MySQL). */
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Fills itself: SQLite's INTEGER PRIMARY KEY (the rowid), a PostgreSQL identity column. */
  autoKey: boolean;
}

export interface ExistingIndex {
  name: string;
  unique: boolean;
  /** Plain columns, in index order; an expression's part is left out. */
  columns: readonly string[];
  /** Has a WHERE clause or an expression: it can serve neither as the ingest id's uniqueness nor as a plain range scan. */
  partial: boolean;
}

export interface ExistingTable {
  kind: 'table' | 'view' | 'other';
  columns: readonly ExistingColumn[];
  indexes: readonly ExistingIndex[];
}

export interface SchemaSnapshot {
  dialect: Dialect;
  /** By table name; absent names do not exist. */
  tables: Readonly<Record<string, ExistingTable | undefined>>;
  /** Rows of streamctl_settings; undefined when that table does not exist. */
  settings: ReadonlyMap<string, string> | undefined;
  /** This process's IANA zone, recorded when an adopted table gets local-datetime times. */
  processZone: string;
}

export interface AdoptionPlan {
  /** DDL and settings rows, in order; empty when the database is already as serve needs it. */
  statements: string[];
  /** One line per change, for the log: "added column user_health_data.ingest_id TEXT ...". */
  changes: string[];
  /** Things left as they are that the operator should know about (never a correctness risk). */
  warnings: string[];
  time: { format: TimeFormat; zone?: string };
}

export interface AdoptionRefusal {
  table: string;
  reason: string;
  hint: string;
}

export type PlanResult = { ok: true; plan: AdoptionPlan } | { ok: false; refusal: AdoptionRefusal };

/**
 * The columns the original's `verify_database_consistency()` and every reader of a row rely on.
 * A table named like ours without one of them is not the original's table: adding it would
 * leave the existing rows invisible to that check, so serve refuses instead of guessing.
 */
const IDENTITY_COLUMNS: ReadonlySet<string> = new Set(['device_sn', 'timestamp', 'create_time', 'upload_method']);

class Refused extends Error {
  constructor(readonly refusal: AdoptionRefusal) {
    super(refusal.reason);
  }
}

function refuse(table: string, reason: string, hint: string): never {
  throw new Refused({ table, reason, hint });
}

export function planAdoption(snapshot: SchemaSnapshot): PlanResult {
  try {
    const time = decideTime(snapshot);
    const plan: AdoptionPlan = { statements: [], changes: [], warnings: [], time: { format: time.format, ...(time.zone ? { zone: time.zone } : {}) } };
    for (const key of Object.keys(TABLES) as TableKey[]) planTable(plan, snapshot, key);
    if (snapshot.settings === undefined) {
      plan.statements.push(settingsTableStatement(snapshot.dialect));
      plan.changes.push(`created table ${SETTINGS_TABLE}`);
    }
    if (time.record) {
      plan.statements.push(settingStatement(SETTING.timeFormat, time.format));
      if (time.zone) plan.statements.push(settingStatement(SETTING.timeZone, time.zone));
      plan.changes.push(
        time.format === 'local-datetime'
          ? `recorded time_format=local-datetime time_zone=${time.zone}: create_time and timestamp are written as the original's 'YYYY-MM-DD HH:MM:SS' ${time.zone} time`
          : 'recorded time_format=iso-utc: create_time and timestamp are written as ISO 8601 UTC',
      );
    }
    return { ok: true, plan };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, refusal: error.refusal };
    throw error;
  }
}

/**
 * The time format is decided once per database and kept in streamctl_settings. A
 * `user_health_data` that exists without an ingest_id was written by someone else — the
 * original service — and its rows carry the original's local 'YYYY-MM-DD HH:MM:SS' text, which
 * its consistency check compares as text: new rows are written the same way, in this process's
 * zone (the original's NOW() is its host's local time). Every other database keeps ISO 8601 UTC.
 */
function decideTime(snapshot: SchemaSnapshot): { format: TimeFormat; zone?: string; record: boolean } {
  if (snapshot.settings?.has(SETTING.timeFormat)) {
    try {
      const time = storedTimeOf(snapshot.settings);
      return { format: time.format, ...(time.zone ? { zone: time.zone } : {}), record: false };
    } catch (error) {
      refuse(SETTINGS_TABLE, (error as Error).message, `correct the row in ${SETTINGS_TABLE}, or run the streamctl that wrote it`);
    }
  }
  const health = snapshot.tables[TABLES.health];
  const adoptingOriginal = health !== undefined && health.kind === 'table' && !health.columns.some((c) => sameName(snapshot.dialect, c.name, 'ingest_id'));
  if (adoptingOriginal) {
    try {
      storedTimeOf(new Map([[SETTING.timeFormat, 'local-datetime'], [SETTING.timeZone, snapshot.processZone]]));
    } catch {
      refuse(TABLES.health, `this process's time zone "${snapshot.processZone}" is not one this runtime knows`, 'set TZ to the IANA zone the original service runs in, e.g. TZ=Asia/Shanghai');
    }
    return { format: 'local-datetime', zone: snapshot.processZone, record: true };
  }
  return { format: 'iso-utc', record: true };
}

/** SQLite and MySQL (column and index names) match names without regard to case; PostgreSQL's quoted names are exact. */
function sameName(dialect: Dialect, a: string, b: string): boolean {
  return dialect === 'postgres' ? a === b : a.toLowerCase() === b.toLowerCase();
}

function planTable(plan: AdoptionPlan, snapshot: SchemaSnapshot, key: TableKey): void {
  const { dialect } = snapshot;
  const name = TABLES[key];
  const table = snapshot.tables[name];
  if (!table) {
    plan.statements.push(createTableStatement(key, dialect), createTimeIndexStatement(name));
    plan.changes.push(`created table ${name} with indexes on ingest_id (unique) and create_time`);
    return;
  }
  if (table.kind !== 'table') refuse(name, `${name} is a ${table.kind}, not a table`, 'streamctl inserts rows into it: point --database at a database whose tables are tables');
  const ours = COLUMNS[key];
  const isOurs = (column: string) => ours.some((c) => sameName(dialect, c, column));
  const find = (column: string) => table.columns.find((c) => sameName(dialect, c.name, column));
  const mayWriteNull = (column: string) => !ALWAYS_WRITTEN.has(column) && !(column === 'timestamp' && plan.time.format === 'local-datetime');
  const keep = 'nothing was changed; alter the table yourself or point --database at another database';

  for (const column of ours) {
    const existing = find(column);
    if (!existing) {
      if (IDENTITY_COLUMNS.has(column)) {
        refuse(name, `${name} has no column ${column}, so it is not the original service's table (device_sn, timestamp, create_time and upload_method are what its consistency check reads)`, keep);
      }
      const type = addedColumnType(column, dialect);
      plan.statements.push(`ALTER TABLE ${name} ADD COLUMN "${column}" ${type}`);
      plan.changes.push(`added column ${name}.${column} ${type} (NULL in the ${name} rows already there)`);
      continue;
    }
    const problem = typeProblem(dialect, existing.type, valueClassOf(column));
    if (problem) refuse(name, `column ${name}.${existing.name} ${problem}`, keep);
    if (existing.notNull && mayWriteNull(column)) {
      refuse(name, `column ${name}.${existing.name} is NOT NULL, but streamctl writes NULL there when a device does not send it`, keep);
    }
  }
  for (const column of table.columns) {
    if (isOurs(column.name) || !column.notNull || column.hasDefault || column.autoKey) continue;
    // SQLite's INSERT OR IGNORE skips a row that breaks NOT NULL without a word: refuse up front.
    refuse(name, `column ${name}.${column.name} is NOT NULL without a default and streamctl does not write it: every insert would fail`, keep);
  }

  let hasIngestIndex = false;
  for (const index of table.indexes) {
    if (!index.unique) continue;
    if (!index.partial && index.columns.length === 1 && sameName(dialect, index.columns[0]!, 'ingest_id')) {
      hasIngestIndex = true;
      continue;
    }
    // NULLs never collide in a unique index, so one over columns streamctl never writes is harmless.
    if (!index.partial && !index.columns.some(isOurs)) continue;
    refuse(
      name,
      `unique index ${index.name} on ${name} (${index.columns.join(', ') || 'an expression'}) would refuse a second row with the same values; SQLite's INSERT OR IGNORE would drop it silently, as if it were a redelivery`,
      'drop that index (duplicate readings are what `streamctl check consistency` reports) or point --database at another database; nothing was changed',
    );
  }
  const named = (indexName: string) => table.indexes.find((i) => sameName(dialect, i.name, indexName));
  if (!hasIngestIndex) {
    const clash = named(ingestIndexName(name));
    if (clash) {
      refuse(
        name,
        `index ${clash.name} on ${name} (${clash.columns.join(', ')}) is not a unique index on (ingest_id), and streamctl needs that name for one: without it a redelivered record would be stored twice`,
        `drop or rename ${clash.name}; nothing was changed`,
      );
    }
    plan.statements.push(ingestIndexStatement(name));
    plan.changes.push(`added unique index ${ingestIndexName(name)} on ${name} (ingest_id)`);
  }
  // Any index led by create_time serves the check's window scan (the original's
  // idx_uhd_create_time does): a second one would only cost every insert.
  if (!table.indexes.some((i) => !i.partial && i.columns.length > 0 && sameName(dialect, i.columns[0]!, 'create_time'))) {
    const clash = named(createTimeIndexName(name));
    if (clash) {
      plan.warnings.push(`index ${clash.name} on ${name} (${clash.columns.join(', ')}) is not on create_time: kept as it is; the consistency check's window queries will scan ${name}`);
    } else {
      plan.statements.push(createTimeIndexStatement(name));
      plan.changes.push(`added index ${createTimeIndexName(name)} on ${name} (create_time)`);
    }
  }
}
