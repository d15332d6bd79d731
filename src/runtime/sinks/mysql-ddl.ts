/**
 * Online DDL for adopting a large existing table (adoption-plan.ts statements, MySQL dialect).
 * `ALGORITHM=INPLACE, LOCK=NONE` asks InnoDB to add a column or build an index while inserts go
 * on, without copying the table; the server refuses the statement (error 1845/1846,
 * ER_ALTER_OPERATION_NOT_SUPPORTED[_REASON]) rather than silently falling back to a copy with a
 * table lock (MySQL manual, "Online DDL Operations"; MariaDB, "InnoDB Online DDL Overview").
 * ADD COLUMN at the end and CREATE INDEX are INPLACE, LOCK=NONE from MySQL 5.6 and MariaDB 10.0
 * (MariaDB 10.3+ and MySQL 8.0.12+ add the column INSTANT: metadata only). Pure.
 */

/** Error numbers that mean "not online on this server/table": run the plain statement instead. */
export const ONLINE_DDL_UNSUPPORTED: ReadonlySet<number> = new Set([1845, 1846]);

/** The online form of a planned statement, or undefined for a statement that has none (CREATE TABLE, INSERT). */
export function onlineVariant(statement: string): string | undefined {
  if (/^ALTER TABLE /i.test(statement)) return `${statement}, ALGORITHM=INPLACE, LOCK=NONE`;
  if (/^CREATE (UNIQUE )?INDEX /i.test(statement)) return `${statement} ALGORITHM=INPLACE LOCK=NONE`;
  return undefined;
}

/** The warning logged when a statement had to run without the online clause. */
export function offlineWarning(statement: string, reason: string): string {
  return `${statement} could not run online (${reason}); ran it with the server's default algorithm, which may copy the table and block writes while it runs`;
}
