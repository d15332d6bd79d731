import type Database from 'better-sqlite3';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { processTimeZone } from '../../shared/stored-time.js';
import { planAdoption, type ExistingIndex, type ExistingTable, type SchemaSnapshot } from './adoption-plan.js';
import { noMigrateRefusal } from './no-migrate.js';
import { TABLES } from './schema.js';
import { outcomeOf, refusalError, statementRefused, type SchemaOutcome } from './schema-outcome.js';

function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface TableInfoRow { name: string; type: string; notnull: number; dflt_value: unknown; pk: number }
interface IndexListRow { name: string; unique: number; partial: number }
interface IndexInfoRow { name: string | null }

/** One table as PRAGMA table_info / index_list / index_info describe it; undefined when absent. */
function existingTable(db: Database.Database, name: string): ExistingTable | undefined {
  const entry = db.prepare('SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE AND type IN (\'table\', \'view\')').get(name) as { type: string } | undefined;
  if (!entry) return undefined;
  const info = db.pragma(`table_info(${quoted(name)})`) as TableInfoRow[];
  const keyColumns = info.filter((c) => c.pk > 0);
  const columns = info.map((c) => ({
    name: c.name,
    type: c.type,
    notNull: c.notnull === 1,
    hasDefault: c.dflt_value !== null,
    // Only a lone INTEGER PRIMARY KEY is the rowid, filled by SQLite (https://www.sqlite.org/lang_createtable.html#rowid).
    autoKey: c.pk > 0 && keyColumns.length === 1 && c.type.toUpperCase() === 'INTEGER',
  }));
  const indexes: ExistingIndex[] = (db.pragma(`index_list(${quoted(name)})`) as IndexListRow[]).map((index) => {
    const parts = db.pragma(`index_info(${quoted(index.name)})`) as IndexInfoRow[];
    return {
      name: index.name,
      unique: index.unique === 1,
      columns: parts.filter((p) => p.name !== null).map((p) => p.name!),
      partial: index.partial === 1 || parts.some((p) => p.name === null),
    };
  });
  return { kind: entry.type === 'table' ? 'table' : 'view', columns, indexes };
}

export function snapshotSqlite(db: Database.Database, processZone = processTimeZone()): SchemaSnapshot {
  const tables: Record<string, ExistingTable | undefined> = {};
  for (const name of Object.values(TABLES)) tables[name] = existingTable(db, name);
  const hasSettings = db.prepare('SELECT 1 FROM sqlite_master WHERE type = \'table\' AND name = ?').get(SETTINGS_TABLE) !== undefined;
  const settings = hasSettings
    ? new Map((db.prepare(`SELECT name, value FROM ${SETTINGS_TABLE}`).all() as Array<{ name: string; value: string }>).map((r) => [r.name, r.value]))
    : undefined;
  return { dialect: 'sqlite', tables, settings, processZone };
}

/**
 * Reads the schema, plans (adoption-plan.ts) and runs the plan in one IMMEDIATE transaction, so
 * two processes opening the same file at once plan one after the other and the second finds
 * nothing to do. Throws UsageError (exit 64) when the database cannot be adopted, or with
 * `noMigrate` would need a change; then nothing was changed.
 */
export function prepareSqliteSchema(db: Database.Database, description: string, options: { noMigrate?: boolean } = {}): SchemaOutcome {
  return db.transaction(() => {
    const result = planAdoption(snapshotSqlite(db));
    if (!result.ok) throw refusalError(description, result.refusal);
    const refusal = options.noMigrate ? noMigrateRefusal(description, result.plan) : undefined;
    if (refusal) throw refusal;
    for (const statement of result.plan.statements) {
      try {
        db.exec(statement);
      } catch (error) {
        if (/^SQLITE_CONSTRAINT/.test(String((error as { code?: unknown }).code))) throw statementRefused(description, statement, error);
        throw error;
      }
    }
    return outcomeOf(result.plan);
  }).immediate();
}
