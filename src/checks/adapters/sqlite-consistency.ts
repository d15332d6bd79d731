import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import type { ConsistencyDatabase } from '../consistency/ports.js';
import { sqlitePlaceholder, type Query } from './consistency-sql.js';
import { SqlConsistency, type Row } from './sql-consistency.js';

/**
 * Reads the SQLite file of `streamctl serve`, read-only. `fileMustExist` matters: opening a wrong
 * path must fail (exit 2), not create an empty database whose zero rows would read as "equal".
 */
export function openSqliteConsistency(path: string): ConsistencyDatabase {
  if (!existsSync(path)) throw new UnreachableError(`database ${path} does not exist`, 'pass the SQLite file `streamctl serve` writes (--database) or a postgres:// URL');
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    // Serve writes in WAL mode; a reader waits for a checkpoint instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000');
    db.prepare('SELECT 1').get();
  } catch (error) {
    throw new UnreachableError(`cannot open database ${path}: ${errorMessage(error)}`);
  }
  return new SqliteConsistency(db, path);
}

class SqliteConsistency extends SqlConsistency {
  constructor(
    private readonly db: Database.Database,
    path: string,
  ) {
    super(`sqlite:${path}`, sqlitePlaceholder);
  }

  protected all(query: Query): Row[] {
    return this.db.prepare(query.text).all(...query.values) as Row[];
  }

  protected async columnsOf(table: string): Promise<Set<string>> {
    return new Set((this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  }

  protected async readSettings(): Promise<ReadonlyMap<string, string> | undefined> {
    if (!this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SETTINGS_TABLE)) return undefined;
    const rows = this.db.prepare(`SELECT name, value FROM ${SETTINGS_TABLE}`).all() as Array<{ name: string; value: string }>;
    return new Map(rows.map((r) => [r.name, r.value]));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
