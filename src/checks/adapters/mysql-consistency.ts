import mysql, { type Pool } from 'mysql2/promise';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { MYSQL_SESSION_CHECK, MYSQL_SESSION_SETUP, mysqlPoolOptions, mysqlSessionProblem } from '../../shared/mysql-session.js';
import { mysqlStoredTime } from '../../shared/mysql-time.js';
import { redactUrl } from '../../shared/redact.js';
import type { StoredTime } from '../../shared/stored-time.js';
import type { ConsistencyDatabase } from '../consistency/ports.js';
import { sqlitePlaceholder, type Query } from './consistency-sql.js';
import { SqlConsistency, type Row } from './sql-consistency.js';

/**
 * A pool of one connection with streamctl's session (shared/mysql-session.ts): ANSI_QUOTES for
 * the shared SQL's "quoted" names, ONLY_FULL_GROUP_BY (the shared queries select only grouped
 * columns and aggregates, so they pass it), time_zone '+00:00'. Throws UnreachableError when the
 * server cannot be reached, refuses the login, or the session did not take the settings.
 */
export async function openMysqlPool(url: string): Promise<Pool> {
  const pool = mysql.createPool(mysqlPoolOptions(url, 1));
  pool.pool.on('connection', (connection) => {
    connection.query(MYSQL_SESSION_SETUP, () => undefined);
  });
  let problem: string | undefined;
  try {
    const [rows] = await pool.query(MYSQL_SESSION_CHECK);
    problem = mysqlSessionProblem((rows as Array<{ sql_mode?: unknown; time_zone?: unknown }>)[0]);
  } catch (error) {
    await pool.end().catch(() => {});
    throw new UnreachableError(`cannot reach MySQL at ${redactUrl(url)}: ${errorMessage(error)}`);
  }
  if (problem) {
    await pool.end().catch(() => {});
    throw new UnreachableError(`cannot read MySQL at ${redactUrl(url)}: ${problem}`);
  }
  return pool;
}

export async function openMysqlConsistency(url: string): Promise<ConsistencyDatabase> {
  return new MysqlConsistency(await openMysqlPool(url), redactUrl(url));
}

/**
 * The shared consistency queries (consistency-sql.ts) on MySQL/MariaDB. `?` placeholders, filled
 * client-side by mysql2 (`query`, not `execute`: MySQL 8.0.22+ refuses a LIMIT bound as a
 * prepared statement's double). Times are DATETIME: bounds and minute labels go through
 * mysql-time.ts, so the window compares UTC DATETIME with UTC text.
 */
class MysqlConsistency extends SqlConsistency {
  private closed = false;

  constructor(
    private readonly pool: Pool,
    description: string,
  ) {
    super(description, sqlitePlaceholder);
  }

  protected override adaptTime(time: StoredTime): StoredTime {
    return mysqlStoredTime(time);
  }

  protected async all(query: Query): Promise<Row[]> {
    const [rows] = await this.pool.query(query.text, query.values);
    return rows as Row[];
  }

  protected async columnsOf(table: string): Promise<Set<string>> {
    const rows = await this.all({ text: 'SELECT COLUMN_NAME AS column_name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', values: [table] });
    return new Set(rows.map((r) => String(r.column_name)));
  }

  protected async readSettings(): Promise<ReadonlyMap<string, string> | undefined> {
    const present = await this.all({ text: 'SELECT 1 AS present FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', values: [SETTINGS_TABLE] });
    if (present.length === 0) return undefined;
    const rows = await this.all({ text: `SELECT name, value FROM ${SETTINGS_TABLE}`, values: [] });
    return new Map(rows.map((r) => [String(r.name), String(r.value)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
