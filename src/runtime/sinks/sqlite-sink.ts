import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RowBatch } from '../records/rows.js';
import { COLUMNS, TABLES, valuesWriter, type TableKey, type ValuesWriter } from './schema.js';
import type { SchemaOutcome } from './schema-outcome.js';
import { prepareSqliteSchema } from './sqlite-schema.js';
import type { Sink, WriteResult } from './sink.js';

function writeRows(writer: TableWriter, rows: readonly object[]): number {
  const { width, write } = writer;
  let inserted = 0;
  let start = 0;
  if (rows.length >= ROWS_PER_STATEMENT) {
    const values: unknown[] = new Array(width * ROWS_PER_STATEMENT);
    for (; start + ROWS_PER_STATEMENT <= rows.length; start += ROWS_PER_STATEMENT) {
      for (let i = 0; i < ROWS_PER_STATEMENT; i++) write(rows[start + i]!, values, i * width);
      inserted += writer.chunk.run(values).changes;
    }
  }
  const single: unknown[] = new Array(width);
  for (; start < rows.length; start++) {
    write(rows[start]!, single, 0);
    inserted += writer.single.run(single).changes;
  }
  return inserted;
}

/** Opens (creating or adopting, see sqlite-schema.ts) and returns the handle; throws UsageError when it cannot adopt. */
export function openSqlite(path: string): Database.Database {
  return openSqliteWithSchema(path).db;
}

export function openSqliteWithSchema(path: string, options: { noMigrate?: boolean } = {}): { db: Database.Database; schema: SchemaOutcome } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets the consistency check read while consumers write. NORMAL survives a crash of this
  // process (the case that matters here); only an OS crash can lose the last commit.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // The unique ingest-id index takes random keys; with SQLite's default 2 MB cache every insert
  // misses. 64 MB keeps a day of index pages hot (23 -> 6 us per row measured on the drain path).
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = memory');
  try {
    return { db, schema: prepareSqliteSchema(db, `sqlite:${path}`, options) };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Rows per INSERT statement. One statement with many VALUES tuples, bound by position, costs a
 * fraction of one named-parameter statement per row (the binding dominated the consumer's profile).
 */
const ROWS_PER_STATEMENT = 64;

interface TableWriter {
  width: number;
  write: ValuesWriter;
  single: Database.Statement;
  chunk: Database.Statement;
}

export class SqliteSink implements Sink {
  readonly description: string;
  /** What opening did to the schema (logged by open-sink.ts) and the time format rows are written in. */
  readonly schema: SchemaOutcome;
  private readonly db: Database.Database;
  private readonly writeTransaction: (batch: RowBatch) => WriteResult;
  private closed = false;

  constructor(path: string, options: { noMigrate?: boolean } = {}) {
    this.description = `sqlite:${path}`;
    ({ db: this.db, schema: this.schema } = openSqliteWithSchema(path, options));
    const writers = {} as Record<TableKey, TableWriter>;
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const columns = COLUMNS[key];
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const insert = (rows: number) =>
        this.db.prepare(`INSERT OR IGNORE INTO ${TABLES[key]} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${Array(rows).fill(tuple).join(', ')}`);
      writers[key] = { width: columns.length, write: valuesWriter(key, this.schema.time), single: insert(1), chunk: insert(ROWS_PER_STATEMENT) };
    }
    this.writeTransaction = this.db.transaction((batch: RowBatch) => {
      let inserted = 0;
      let total = 0;
      for (const [key, rows] of [['health', batch.health], ['deviceInfo', batch.deviceInfo], ['events', batch.events]] as const) {
        if (rows.length === 0) continue;
        inserted += writeRows(writers[key], rows);
        total += rows.length;
      }
      return { inserted, alreadyStored: total - inserted };
    });
  }

  async write(batch: RowBatch): Promise<WriteResult> {
    return this.writeTransaction(batch);
  }

  isRecordError(error: unknown): boolean {
    if (error instanceof TypeError || error instanceof RangeError) return true;
    const code = (error as { code?: unknown })?.code;
    return typeof code === 'string' && /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test(code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
