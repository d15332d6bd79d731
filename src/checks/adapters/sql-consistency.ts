import { REQUIRED_COLUMNS, type KindLayout, type Path } from '../layout.js';
import { SchemaError, type ConsistencyDatabase, type DuplicateSummary, type MinuteCount } from '../consistency/ports.js';
import {
  INGEST_CHUNK, chunks, countByMinuteQuery, duplicateIngestQueries, duplicateReadingsQueries, ingestCountQuery, sampleOf, type Placeholder, type Query,
} from './consistency-sql.js';

export type Row = Record<string, unknown>;

/**
 * The consistency queries, once for both engines: SQLite and PostgreSQL differ only in how a
 * query runs, how placeholders read and how a table's columns are listed.
 */
export abstract class SqlConsistency implements ConsistencyDatabase {
  constructor(
    readonly description: string,
    private readonly placeholder: Placeholder,
  ) {}

  protected abstract all(query: Query): Promise<Row[]> | Row[];
  /** The table's column names; empty when the table does not exist. */
  protected abstract columnsOf(table: string): Promise<Set<string>>;
  abstract close(): Promise<void>;

  async verifySchema(tables: readonly KindLayout[]): Promise<void> {
    for (const layout of tables) {
      const columns = await this.columnsOf(layout.table);
      if (columns.size === 0) throw new SchemaError(`table ${layout.table} does not exist in ${this.description}`);
      for (const column of [...REQUIRED_COLUMNS, ...layout.readingKey]) {
        if (!columns.has(column)) throw new SchemaError(`table ${layout.table} has no column ${column} in ${this.description}`);
      }
    }
  }

  async countByMinute(table: string, startIso: string, endIso: string): Promise<MinuteCount[]> {
    const rows = await this.all(countByMinuteQuery(table, startIso, endIso, this.placeholder));
    return rows.map((r) => ({ uploadMethod: String(r.upload_method), minute: String(r.minute), rows: Number(r.n) }));
  }

  async duplicateReadings(layout: KindLayout, path: Path, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    return this.summary(duplicateReadingsQueries(layout, path, startIso, endIso, sampleLimit, this.placeholder), layout.readingKey);
  }

  async duplicateIngestIds(table: string, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    return this.summary(duplicateIngestQueries(table, startIso, endIso, sampleLimit, this.placeholder), ['ingest_id']);
  }

  async ingestIdCounts(table: string, ingestIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const chunk of chunks(ingestIds, INGEST_CHUNK)) {
      for (const row of await this.all(ingestCountQuery(table, chunk, this.placeholder))) counts.set(String(row.ingest_id), Number(row.n));
    }
    return counts;
  }

  private async summary(queries: { totals: Query; samples: Query }, keyColumns: readonly string[]): Promise<DuplicateSummary> {
    const totals = (await this.all(queries.totals))[0] ?? {};
    const samples = (await this.all(queries.samples)).map((r) => sampleOf(r, keyColumns));
    return { groups: Number(totals.groups ?? 0), surplusRows: Number(totals.surplus ?? 0), samples };
  }
}
