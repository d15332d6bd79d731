import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RowBatch } from '../records/rows.js';
import { COLUMNS, TABLES, schemaStatements, type TableKey } from './schema.js';
import type { Sink, WriteResult } from './sink.js';

export function openSqlite(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  // WAL lets the consistency check read while consumers write. NORMAL survives a crash of this
  // process (the case that matters here); only an OS crash can lose the last commit.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  for (const statement of schemaStatements('sqlite')) db.exec(statement);
  return db;
}

export class SqliteSink implements Sink {
  readonly description: string;
  private readonly db: Database.Database;
  private readonly writeTransaction: (batch: RowBatch) => WriteResult;
  private closed = false;

  constructor(path: string) {
    this.description = `sqlite:${path}`;
    this.db = openSqlite(path);
    const inserts = {} as Record<TableKey, Database.Statement>;
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const columns = COLUMNS[key];
      inserts[key] = this.db.prepare(
        `INSERT OR IGNORE INTO ${TABLES[key]} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`,
      );
    }
    this.writeTransaction = this.db.transaction((batch: RowBatch) => {
      let inserted = 0;
      let total = 0;
      for (const [key, rows] of [['health', batch.health], ['deviceInfo', batch.deviceInfo], ['events', batch.events]] as const) {
        const statement = inserts[key];
        for (const row of rows) {
          inserted += statement.run(row).changes;
          total++;
        }
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
