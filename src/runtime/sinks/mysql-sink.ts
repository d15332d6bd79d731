import mysql, { type Pool, type PoolConnection, type ResultSetHeader } from 'mysql2/promise';
import { MYSQL_SESSION_SETUP, describeMysql, mysqlPoolOptions } from '../../shared/mysql-session.js';
import { mysqlStoredTime } from '../../shared/mysql-time.js';
import type { RowBatch } from '../records/rows.js';
import { classifyMysqlError } from './mysql-errors.js';
import { prepareMysqlSchema, type MysqlSchemaOutcome } from './mysql-schema.js';
import { COLUMNS, TABLES, valuesWriter, type TableKey, type ValuesWriter } from './schema.js';
import type { SchemaOutcome } from './schema-outcome.js';
import type { Sink, WriteResult } from './sink.js';

/**
 * Rows per INSERT. The statement is built client-side (mysql2 `query` escapes each value), so the
 * limit is max_allowed_packet (16 MiB by default in MariaDB 10.11 and MySQL 8): 500 health rows
 * are ~100 KB. A statement that is still too large (1153) is a record error, and halving the
 * batch (write-isolating.ts) makes it fit.
 */
const ROWS_PER_STATEMENT = 500;
/** Connections: the consumers and the batch path write one batch at a time each. */
const POOL_SIZE = 4;

interface TableWriter {
  columns: readonly string[];
  write: ValuesWriter;
  /** `INSERT INTO t ("a", "b") VALUES ` — the tuples follow. */
  head: string;
  /**
   * The ingest id's unique key makes a redelivered row a no-op update, counted 0 affected rows
   * (the pool is opened without CLIENT_FOUND_ROWS). Not INSERT IGNORE: IGNORE also turns every
   * data error of strict mode (a truncated value, bad UTF-8, out of range) into a warning and
   * stores a changed value or a default (MySQL manual, "The Effect of IGNORE on Statement
   * Execution"), so a refused record would be stored wrong instead of dead-lettered.
   */
  tail: string;
}

export class MysqlSink implements Sink {
  readonly description: string;
  private readonly pool: Pool;
  private ready: Promise<void> | undefined;
  private closed = false;
  private outcome: SchemaOutcome | undefined;
  private writers: Record<TableKey, TableWriter> | undefined;

  constructor(url: string, private readonly options: { noMigrate?: boolean } = {}) {
    this.description = describeMysql(url);
    this.pool = mysql.createPool(mysqlPoolOptions(url, POOL_SIZE));
    // The session settings run first on every new connection, before any query of ours (mysql2 queues them in order).
    this.pool.pool.on('connection', (connection) => {
      connection.query(MYSQL_SESSION_SETUP, () => undefined);
    });
  }

  /** What opening did to the schema and the time format rows are written in; set once open() resolved. */
  get schema(): SchemaOutcome | undefined {
    return this.outcome;
  }

  /** Creates or adopts the tables (mysql-schema.ts) on first use, so a database that starts later than the service is fine. */
  private ensureSchema(): Promise<void> {
    this.ready ??= (async () => {
      const connection = await this.pool.getConnection();
      let outcome: MysqlSchemaOutcome;
      try {
        outcome = await prepareMysqlSchema(connection, this.description, this.options);
      } finally {
        connection.release();
      }
      const time = mysqlStoredTime(outcome.time);
      const writers = {} as Record<TableKey, TableWriter>;
      for (const key of Object.keys(TABLES) as TableKey[]) {
        const columns = COLUMNS[key];
        const base = valuesWriter(key, outcome.time);
        const created = columns.indexOf('create_time');
        const device = columns.indexOf('timestamp');
        const wholeDevice = outcome.wholeSeconds.has(`${TABLES[key]}.timestamp`);
        // A create_time rounded up by the server could move a row into the next minute of the check's window.
        const wholeCreated = outcome.wholeSeconds.has(`${TABLES[key]}.create_time`);
        // valuesWriter writes iso-utc times as ISO text; DATETIME wants them without the T and Z.
        // 'YYYY-MM-DD HH:MM:SS' is 19 characters: the fraction is cut, not rounded by the server.
        const convert = time !== outcome.time;
        const write: ValuesWriter = !convert && !wholeDevice && !wholeCreated ? base : (row, out, at) => {
          base(row, out, at);
          if (convert) {
            out[at + created] = time.createTime(out[at + created] as string);
            out[at + device] = time.deviceTime(out[at + device] as string | null, '');
          }
          if (wholeDevice && out[at + device] !== null) out[at + device] = (out[at + device] as string).slice(0, 19);
          if (wholeCreated) out[at + created] = (out[at + created] as string).slice(0, 19);
        };
        writers[key] = {
          columns,
          write,
          head: `INSERT INTO ${TABLES[key]} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `,
          tail: ' ON DUPLICATE KEY UPDATE ingest_id = ingest_id',
        };
      }
      this.writers = writers;
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
    return this.transaction(async (connection) => {
      let inserted = 0;
      let total = 0;
      for (const [key, rows] of [['health', batch.health], ['deviceInfo', batch.deviceInfo], ['events', batch.events]] as const) {
        const writer = this.writers![key];
        const width = writer.columns.length;
        for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
          const slice = rows.slice(start, start + ROWS_PER_STATEMENT);
          const values: unknown[] = new Array(width * slice.length);
          for (let i = 0; i < slice.length; i++) writer.write(slice[i]!, values, i * width);
          const tuple = `(${new Array(width).fill('?').join(', ')})`;
          const [result] = await connection.query<ResultSetHeader>(`${writer.head}${new Array(slice.length).fill(tuple).join(', ')}${writer.tail}`, values);
          inserted += result.affectedRows;
          total += slice.length;
        }
      }
      return { inserted, alreadyStored: total - inserted };
    });
  }

  /** All of `work` or none of it, on one pooled connection that is always given back. */
  private async transaction<T>(work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.pool.getConnection();
    try {
      await connection.beginTransaction();
      const result = await work(connection);
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback().catch(() => undefined);
      throw error;
    } finally {
      connection.release();
    }
  }

  isRecordError(error: unknown): boolean {
    return classifyMysqlError(error) === 'record';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
