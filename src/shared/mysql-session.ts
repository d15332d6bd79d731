import type { PoolOptions } from 'mysql2';

/** `mysql://` or `mariadb://`: the two names of one wire protocol (mysql2 speaks both). */
export function isMysqlUrl(location: string): boolean {
  return /^(mysql|mariadb):\/\//i.test(location);
}

/**
 * What every streamctl session sets first, on every pooled connection:
 * - `sql_mode` strict (STRICT_TRANS_TABLES): a value the column cannot hold is an error that
 *   names the row, never a warning and a silently changed value (MySQL manual, "Strict SQL
 *   Mode"); ANSI_QUOTES, so the "double-quoted" names the SQL written for SQLite and PostgreSQL
 *   uses are names here too; ONLY_FULL_GROUP_BY, so a query that works here works on a
 *   MySQL 8 server whose default has it; no NO_BACKSLASH_ESCAPES (mysql2 escapes with backslashes).
 * - `time_zone = '+00:00'`: NOW() and any TIMESTAMP column read in UTC; DATETIME columns keep
 *   the text written, which streamctl writes in UTC (or the adopted original's zone).
 * - `NAMES utf8mb4`: 4-byte UTF-8 (emoji) on the wire; `utf8` is 3-byte in MySQL.
 */
export const MYSQL_SESSION_SETUP =
  "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,STRICT_ALL_TABLES,ANSI_QUOTES,ONLY_FULL_GROUP_BY,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', " +
  "time_zone = '+00:00', NAMES utf8mb4 COLLATE utf8mb4_bin";

/**
 * mysql2 pool options for a `mysql://user:pass@host:port/db` URL (`mariadb://` the same; port
 * 3306 by default). Times come back as the text stored (`dateStrings`), never a JS Date built
 * in this process's zone. `-FOUND_ROWS`: with it (mysql2's default) a row that hit ON DUPLICATE
 * KEY UPDATE and changed nothing counts as affected, and a redelivery could not be told from an
 * insert (MySQL manual, "INSERT ... ON DUPLICATE KEY UPDATE Statement"). Throws TypeError for a
 * URL that does not parse.
 */
export function mysqlPoolOptions(location: string, connectionLimit: number): PoolOptions {
  const url = new URL(location.replace(/^mariadb:/i, 'mysql:'));
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ...(database ? { database } : {}),
    connectionLimit,
    connectTimeout: 5_000,
    charset: 'UTF8MB4_BIN',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    flags: ['-FOUND_ROWS'],
    waitForConnections: true,
    queueLimit: 0,
  };
}

/** `mysql:host:port/db` for logs and documents: never the password. */
export function describeMysql(location: string): string {
  const url = new URL(location.replace(/^mariadb:/i, 'mysql:'));
  return `mysql:${url.host}${url.pathname}`;
}

/** Reads back what MYSQL_SESSION_SETUP set; run once per pool, on the connection it hands out first. */
export const MYSQL_SESSION_CHECK = 'SELECT @@SESSION.sql_mode AS sql_mode, @@SESSION.time_zone AS time_zone';

/**
 * Why a session is not as MYSQL_SESSION_SETUP left it, or undefined when it is. The setup runs
 * in mysql2's connection hook, where an error has no caller to reach (a server that refuses a
 * mode name, a proxy that drops SET): without ANSI_QUOTES every "quoted" name would read as a
 * string, and without '+00:00' NOW() and TIMESTAMP columns would not be UTC. Pure.
 */
export function mysqlSessionProblem(row: { sql_mode?: unknown; time_zone?: unknown } | undefined): string | undefined {
  const modes = String(row?.sql_mode ?? '').split(',');
  const missing = ['ANSI_QUOTES', 'STRICT_TRANS_TABLES'].filter((mode) => !modes.includes(mode));
  if (missing.length > 0) return `the session's sql_mode lacks ${missing.join(' and ')} after streamctl set it ("${String(row?.sql_mode ?? '')}")`;
  if (row?.time_zone !== '+00:00') return `the session's time_zone is "${String(row?.time_zone)}" after streamctl set it to '+00:00'`;
  return undefined;
}
