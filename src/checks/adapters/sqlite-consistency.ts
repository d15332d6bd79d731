import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { REQUIRED_COLUMNS, type KindLayout, type Path } from '../layout.js';
import { SchemaError, type ConsistencyDatabase, type DuplicateSummary, type MinuteCount } from '../consistency/ports.js';
import {
  INGEST_CHUNK, chunks, countByMinuteQuery, duplicateIngestQueries, duplicateReadingsQueries, ingestCountQuery, sampleOf, sqlitePlaceholder as p, type Query,
} from './consistency-sql.js';

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

class SqliteConsistency implements ConsistencyDatabase {
  readonly description: string;

  constructor(
    private readonly db: Database.Database,
    path: string,
  ) {
    this.description = `sqlite:${path}`;
  }

  private all(query: Query): Array<Record<string, unknown>> {
    return this.db.prepare(query.text).all(...query.values) as Array<Record<string, unknown>>;
  }

  async verifySchema(tables: readonly KindLayout[]): Promise<void> {
    for (const layout of tables) {
      const columns = new Set((this.db.prepare(`PRAGMA table_info(${layout.table})`).all() as Array<{ name: string }>).map((c) => c.name));
      if (columns.size === 0) throw new SchemaError(`table ${layout.table} does not exist in ${this.description}`);
      for (const column of [...REQUIRED_COLUMNS, ...layout.readingKey]) {
        if (!columns.has(column)) throw new SchemaError(`table ${layout.table} has no column ${column} in ${this.description}`);
      }
    }
  }

  async countByMinute(table: string, startIso: string, endIso: string): Promise<MinuteCount[]> {
    return this.all(countByMinuteQuery(table, startIso, endIso, p)).map((r) => ({ uploadMethod: String(r.upload_method), minute: String(r.minute), rows: Number(r.n) }));
  }

  private summary(queries: { totals: Query; samples: Query }, keyColumns: readonly string[]): DuplicateSummary {
    const totals = this.all(queries.totals)[0] ?? {};
    return { groups: Number(totals.groups ?? 0), surplusRows: Number(totals.surplus ?? 0), samples: this.all(queries.samples).map((r) => sampleOf(r, keyColumns)) };
  }

  async duplicateReadings(layout: KindLayout, path: Path, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    return this.summary(duplicateReadingsQueries(layout, path, startIso, endIso, sampleLimit, p), layout.readingKey);
  }

  async duplicateIngestIds(table: string, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    return this.summary(duplicateIngestQueries(table, startIso, endIso, sampleLimit, p), ['ingest_id']);
  }

  async ingestIdCounts(table: string, ingestIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const chunk of chunks(ingestIds, INGEST_CHUNK)) {
      for (const row of this.all(ingestCountQuery(table, chunk, p))) counts.set(String(row.ingest_id), Number(row.n));
    }
    return counts;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
