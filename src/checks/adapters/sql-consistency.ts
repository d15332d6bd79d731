import { storedTimeOf } from '../../shared/database-settings.js';
import { errorMessage } from '../../shared/errors.js';
import type { StoredTime } from '../../shared/stored-time.js';
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
  private time: Promise<StoredTime> | undefined;

  constructor(
    readonly description: string,
    private readonly placeholder: Placeholder,
  ) {}

  protected abstract all(query: Query): Promise<Row[]> | Row[];
  /** The table's column names; empty when the table does not exist. */
  protected abstract columnsOf(table: string): Promise<Set<string>>;
  /** Rows of streamctl_settings; undefined when the table does not exist. */
  protected abstract readSettings(): Promise<ReadonlyMap<string, string> | undefined>;
  abstract close(): Promise<void>;
  /** The stored format as this engine's columns hold it; MySQL's DATETIME differs from the text of the others (shared/mysql-time.ts). */
  protected adaptTime(time: StoredTime): StoredTime {
    return time;
  }

  /**
   * How this database stores times (shared/database-settings.ts): ISO 8601 UTC, or the
   * original's local 'YYYY-MM-DD HH:MM:SS' in a database serve adopted. The window's ISO bounds
   * are rewritten into it and the minutes read back from it, so the rest of the check (the
   * ledger's UTC minutes) never sees the difference.
   */
  private storedTime(): Promise<StoredTime> {
    this.time ??= this.readSettings().then((settings) => {
      try {
        return this.adaptTime(storedTimeOf(settings));
      } catch (error) {
        throw new SchemaError(`${errorMessage(error)} in ${this.description}`);
      }
    });
    return this.time;
  }

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
    const time = await this.storedTime();
    const rows = await this.all(countByMinuteQuery(table, time.bound(startIso), time.bound(endIso), this.placeholder));
    // Summed by UTC minute: in the hour a zone repeats, two local minutes are one UTC label.
    const counts = new Map<string, MinuteCount>();
    for (const r of rows) {
      const count = { uploadMethod: String(r.upload_method), minute: time.minuteLabel(String(r.minute)), rows: Number(r.n) };
      const key = `${count.uploadMethod}|${count.minute}`;
      const seen = counts.get(key);
      if (seen) seen.rows += count.rows;
      else counts.set(key, count);
    }
    return [...counts.values()];
  }

  async duplicateReadings(layout: KindLayout, path: Path, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    const time = await this.storedTime();
    return this.summary(duplicateReadingsQueries(layout, path, time.bound(startIso), time.bound(endIso), sampleLimit, this.placeholder), layout.readingKey);
  }

  async duplicateIngestIds(table: string, startIso: string, endIso: string, sampleLimit: number): Promise<DuplicateSummary> {
    const time = await this.storedTime();
    return this.summary(duplicateIngestQueries(table, time.bound(startIso), time.bound(endIso), sampleLimit, this.placeholder), ['ingest_id']);
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
