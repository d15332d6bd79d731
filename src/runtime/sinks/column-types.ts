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
