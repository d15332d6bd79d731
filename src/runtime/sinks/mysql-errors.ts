/**
 * Whether a MySQL/MariaDB error is about the rows (the database refused them: retrying the same
 * rows cannot help, so write-isolating.ts halves the batch to find the row and dead-letters it)
 * or about the database being away (retrying heals). Pure: reads `errno`, `sqlState` and `fatal`
 * as mysql2 sets them on its errors. Unknown errors count as "away": a record is kept and retried
 * rather than dead-lettered on a guess.
 *
 * Error numbers from the MySQL Server Error Message Reference and MariaDB's "MariaDB Error Codes";
 * both servers use the same numbers for these.
 */
const RECORD_ERRNOS: ReadonlyMap<number, string> = new Map([
  [1048, 'ER_BAD_NULL_ERROR'], // NULL into a NOT NULL column
  [1062, 'ER_DUP_ENTRY'], // a unique key other than the ingest id's (ON DUPLICATE KEY covers that one)
  [1118, 'ER_TOO_BIG_ROWSIZE'],
  [1153, 'ER_NET_PACKET_TOO_LARGE'], // a statement over max_allowed_packet: halving makes it fit or finds the row
  [1264, 'ER_WARN_DATA_OUT_OF_RANGE'],
  [1265, 'WARN_DATA_TRUNCATED'],
  [1292, 'ER_TRUNCATED_WRONG_VALUE'], // e.g. an incorrect datetime value
  [1300, 'ER_INVALID_CHARACTER_STRING'],
  [1366, 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD'], // "Incorrect string value": 4-byte UTF-8 into a 3-byte `utf8` column
  [1367, 'ER_ILLEGAL_VALUE_FOR_TYPE'],
  [1406, 'ER_DATA_TOO_LONG'],
  [1452, 'ER_NO_REFERENCED_ROW_2'], // a foreign key an adopted table has
  [1690, 'ER_DATA_OUT_OF_RANGE'],
  [3140, 'ER_INVALID_JSON_TEXT'], // MySQL 8 JSON column
  [3819, 'ER_CHECK_CONSTRAINT_VIOLATED'], // MySQL 8
  [4025, 'ER_CONSTRAINT_FAILED'], // MariaDB CHECK constraint
]);

export type MysqlErrorKind = 'record' | 'away';

export function classifyMysqlError(error: unknown): MysqlErrorKind {
  const { errno, sqlState, fatal } = (error ?? {}) as { errno?: unknown; sqlState?: unknown; fatal?: unknown };
  // mysql2 marks a lost or refused connection fatal; 1153 is the one fatal error caused by the rows.
  if (typeof errno === 'number' && RECORD_ERRNOS.has(errno)) return 'record';
  if (fatal === true) return 'away';
  // SQLSTATE class 22 is data exception, 23 integrity constraint violation (SQL standard, as PostgreSQL's).
  if (typeof sqlState === 'string' && (sqlState.startsWith('22') || sqlState.startsWith('23'))) return 'record';
  return 'away';
}

/** The name of a record error's number, for messages and tests; undefined for others. */
export function mysqlErrorName(errno: number): string | undefined {
  return RECORD_ERRNOS.get(errno);
}
