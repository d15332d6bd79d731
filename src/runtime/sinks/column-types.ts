import type { Dialect, ValueClass } from './schema.js';

/**
 * Whether an existing column's declared type keeps what streamctl writes there unchanged.
 * Returns undefined when it does, or why not (one clause, for the refusal message).
 *
 * SQLite decides by type affinity (https://www.sqlite.org/datatype3.html §3.1, applied in that
 * order): a TEXT-affinity column turns numbers into text, an INTEGER or REAL one turns text
 * that looks like a number into a number (a device serial "12345"), NUMERIC does the same but
 * leaves time text alone (never a number), so a DATETIME-declared time column, as a port of the
 * original's MySQL table has, is fine. PostgreSQL types are strict: text for text and time (a
 * `timestamp` column would need a different value than the text both formats write), and a
 * floating or decimal type for readings (an integer column refuses 36.6).
 */
export function typeProblem(dialect: Dialect, declaredType: string, value: ValueClass): string | undefined {
  if (dialect === 'mysql') return mysqlProblem(declaredType, value);
  return dialect === 'sqlite' ? sqliteProblem(declaredType, value) : postgresProblem(declaredType, value);
}

export type SqliteAffinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function sqliteAffinity(declaredType: string): SqliteAffinity {
  const type = declaredType.toUpperCase();
  if (type.includes('INT')) return 'INTEGER';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'TEXT';
  if (type.includes('BLOB') || type.trim() === '') return 'BLOB';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

const SQLITE_ACCEPTS: Record<ValueClass, readonly SqliteAffinity[]> = {
  text: ['TEXT', 'BLOB'],
  time: ['TEXT', 'BLOB', 'NUMERIC'],
  number: ['INTEGER', 'REAL', 'NUMERIC', 'BLOB'],
};

const WRITES: Record<ValueClass, string> = { text: 'text', time: 'time as text', number: 'numbers' };

function sqliteProblem(declaredType: string, value: ValueClass): string | undefined {
  const affinity = sqliteAffinity(declaredType);
  if (SQLITE_ACCEPTS[value].includes(affinity)) return undefined;
  const effect = affinity === 'TEXT' ? 'SQLite would store them as text' : 'SQLite would turn number-like text into numbers';
  return `is declared ${declaredType || '(no type)'} (${affinity} affinity) but streamctl writes ${WRITES[value]} there: ${effect}`;
}

const POSTGRES_TEXT = ['text', 'character varying', 'character'];
const POSTGRES_ACCEPTS: Record<ValueClass, readonly string[]> = {
  text: POSTGRES_TEXT,
  time: POSTGRES_TEXT,
  number: ['double precision', 'real', 'numeric'],
};

/** `declaredType` is information_schema.columns.data_type, e.g. `character varying`. */
function postgresProblem(declaredType: string, value: ValueClass): string | undefined {
  if (POSTGRES_ACCEPTS[value].includes(declaredType.toLowerCase())) return undefined;
  return `is of type ${declaredType} but streamctl writes ${WRITES[value]} there (${POSTGRES_ACCEPTS[value].join(', ')} would do)`;
}

const MYSQL_TEXT = ['varchar', 'char', 'tinytext', 'text', 'mediumtext', 'longtext'];
const MYSQL_ACCEPTS: Record<ValueClass, readonly string[]> = {
  text: MYSQL_TEXT,
  // DATETIME holds the wall-clock text as given. TIMESTAMP is refused: it converts from the
  // session's zone to UTC and back (MySQL manual, "The DATE, DATETIME, and TIMESTAMP Types"),
  // so other readers of the original's table, in another session zone, would see shifted times.
  time: ['datetime', ...MYSQL_TEXT],
  number: ['double', 'float', 'decimal'],
};

/**
 * `declaredType` is information_schema.COLUMNS.COLUMN_TYPE, e.g. `decimal(10,2)`, `int(11)`,
 * `varchar(64)`. Strict mode refuses text in a number column, but not a fraction in an integer
 * column: MySQL rounds 36.6 to 37 without a warning ("Out-of-Range and Overflow Handling"), so
 * integer types, and DECIMAL with no digits after the point (`NUMERIC` alone is DECIMAL(10,0)),
 * are refused for readings, as PostgreSQL's integer types are.
 */
function mysqlProblem(declaredType: string, value: ValueClass): string | undefined {
  const type = declaredType.toLowerCase().trim();
  const base = /^[a-z]+/.exec(type)?.[0] ?? type;
  if (!MYSQL_ACCEPTS[value].includes(base)) {
    return `is of type ${declaredType} but streamctl writes ${WRITES[value]} there (${MYSQL_ACCEPTS[value].join(', ')} would do)`;
  }
  if (base === 'decimal' && /^decimal\(\d+(,\s*0)?\)/.test(type)) {
    return `is of type ${declaredType}, which rounds readings to whole numbers (36.6 would be stored as 37)`;
  }
  return undefined;
}
