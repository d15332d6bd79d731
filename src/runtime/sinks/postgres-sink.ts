import pg from 'pg';
import type { RowBatch } from '../records/rows.js';
import { preparePostgresSchema } from './postgres-schema.js';
import { COLUMNS, TABLES, valuesWriter, type TableKey, type ValuesWriter } from './schema.js';
import type { SchemaOutcome } from './schema-outcome.js';
import type { Sink, WriteResult } from './sink.js';

/** Postgres refuses more than 65,535 bind parameters in one statement; 1,000 rows stays far below. */
const ROWS_PER_STATEMENT = 1_000;
/** Any fixed number; serialises schema creation across every instance on this database. */
const SCHEMA_LOCK_KEY = 0x5354524d; // 'STRM'

export class PostgresSink implements Sink {
  readonly description: string;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private closed = false;
  private outcome: SchemaOutcome | undefined;
  private writers: Record<TableKey, ValuesWriter> | undefined;

  constructor(url: string, private readonly options: { noMigrate?: boolean } = {}) {
    this.description = `postgres:${new URL(url).host}${new URL(url).pathname}`;
    this.pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
    this.pool.on('error', () => undefined);
  }

  /** What opening did to the schema and the time format rows are written in; set once open() resolved. */
  get schema(): SchemaOutcome | undefined {
    return this.outcome;
  }

  /**
   * Creates or adopts the tables (postgres-schema.ts) on first use, so a database that starts
   * later than the service is fine. One transaction under an advisory lock: concurrent
   * `CREATE TABLE` of the same table from two instances starting together fails in PostgreSQL
   * (23505 on pg_type, or 42P07); under the lock the second finds nothing left to do.
   */
  private ensureSchema(): Promise<void> {
    this.ready ??= (async () => {
      const outcome = await this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
        return preparePostgresSchema(client, this.description, this.options);
      });
      this.writers = Object.fromEntries((Object.keys(TABLES) as TableKey[]).map((key) => [key, valuesWriter(key, outcome.time)])) as Record<TableKey, ValuesWriter>;
      this.outcome = outcome;
    })().catch((error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async open(): Promise<void> {
    await this.ensureSchema();
  }

  async write(batch: RowBatch): Promise<WriteResult> {
    await this.ensureSchema();
    return this.transaction(async (client) => {
      let inserted = 0;
      let total = 0;
      for (const [key, rows] of [['health', batch.health], ['deviceInfo', batch.deviceInfo], ['events', batch.events]] as const) {
        const columns = COLUMNS[key as TableKey];
        const write = this.writers![key as TableKey];
        const width = columns.length;
        for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
          const slice = rows.slice(start, start + ROWS_PER_STATEMENT);
          const values: unknown[] = new Array(width * slice.length);
          const tuples = slice.map((row, i) => {
            write(row, values, i * width);
            return `(${columns.map((_, c) => `$${i * width + c + 1}`).join(', ')})`;
          });
          const result = await client.query(
            `INSERT INTO ${TABLES[key as TableKey]} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (ingest_id) DO NOTHING`,
            values,
          );
          inserted += result.rowCount ?? 0;
          total += slice.length;
        }
      }
      return { inserted, alreadyStored: total - inserted };
    });
  }

  /** All of `work` or none of it, on one pooled connection that is always given back. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  isRecordError(error: unknown): boolean {
    const code = (error as { code?: unknown })?.code;
    // Class 22 is data exception (22021: a NUL in text), 23 integrity violation: about the rows,
    // not the server. Class 54, program limit exceeded (54000: an index row over the btree's 2,704
    // bytes, from a long value under an index an adopted table has), does not heal on a retry either;
    // halving the batch (write-isolating.ts) finds the row, or clears a statement-size limit.
    return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
