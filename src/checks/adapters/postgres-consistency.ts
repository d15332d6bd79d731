import pg from 'pg';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { REQUIRED_COLUMNS, type KindLayout, type Path } from '../layout.js';
import { SchemaError, type ConsistencyDatabase, type DuplicateSummary, type MinuteCount } from '../consistency/ports.js';
import {
  INGEST_CHUNK, chunks, countByMinuteQuery, duplicateIngestQueries, duplicateReadingsQueries, ingestCountQuery, postgresPlaceholder as p, sampleOf, type Query,
} from './consistency-sql.js';

/** `postgres://user:secret@host/db` -> `postgres://host/db`: credentials never reach a report. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparseable url>';
  }
}

export async function openPostgresConsistency(url: string): Promise<ConsistencyDatabase> {
  // One connection is enough: the check's queries run one after the other.
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000, statement_timeout: 120_000 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new UnreachableError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${errorMessage(error)}`);
  }
  return new PostgresConsistency(pool, redactUrl(url));
}

class PostgresConsistency implements ConsistencyDatabase {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly description: string,
  ) {}

  private async all(query: Query): Promise<Array<Record<string, unknown>>> {
    return (await this.pool.query(query.text, query.values)).rows as Array<Record<string, unknown>>;
  }

  async verifySchema(tables: readonly KindLayout[]): Promise<void> {
    for (const layout of tables) {
      const rows = await this.all({ text: 'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', values: [layout.table] });
      const columns = new Set(rows.map((r) => String(r.column_name)));
      if (columns.size === 0) throw new SchemaError(`table ${layout.table} does not exist in ${this.description}`);
      for (const column of [...REQUIRED_COLUMNS, ...layout.readingKey]) {
        if (!columns.has(column)) throw new SchemaError(`table ${layout.table} has no column ${column} in ${this.description}`);
      }
    }
  }

  async countByMinute(table: string, startIso: string, endIso: string): Promise<MinuteCount[]> {
    return (await this.all(countByMinuteQuery(table, startIso, endIso, p))).map((r) => ({ uploadMethod: String(r.upload_method), minute: String(r.minute), rows: Number(r.n) }));
  }

  private async summary(queries: { totals: Query; samples: Query }, keyColumns: readonly string[]): Promise<DuplicateSummary> {
    const totals = (await this.all(queries.totals))[0] ?? {};
    return { groups: Number(totals.groups ?? 0), surplusRows: Number(totals.surplus ?? 0), samples: (await this.all(queries.samples)).map((r) => sampleOf(r, keyColumns)) };
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
      for (const row of await this.all(ingestCountQuery(table, chunk, p))) counts.set(String(row.ingest_id), Number(row.n));
    }
    return counts;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
