import type { PoolConnection } from 'mysql2/promise';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { MYSQL_SESSION_CHECK, mysqlSessionProblem } from '../../shared/mysql-session.js';
import { processTimeZone } from '../../shared/stored-time.js';
import { planAdoption, type ExistingIndex, type ExistingTable, type SchemaSnapshot } from './adoption-plan.js';
import { ONLINE_DDL_UNSUPPORTED, offlineWarning, onlineVariant } from './mysql-ddl.js';
import { noMigrateRefusal } from './no-migrate.js';
import { TABLES } from './schema.js';
import { outcomeOf, refusalError, statementRefused, type SchemaOutcome } from './schema-outcome.js';

const TABLE_NAMES = Object.values(TABLES);
/** Serialises schema changes across every instance on this server (GET_LOCK names are server-wide). */
export const SCHEMA_LOCK = 'streamctl_schema';
/** Seconds to wait for another instance's schema change; adding an index to millions of rows can take minutes, then serve retries. */
const SCHEMA_LOCK_WAIT_S = 10;

type Row = Record<string, unknown>;

async function rows(connection: PoolConnection, sql: string, values: unknown[] = []): Promise<Row[]> {
  const [result] = await connection.query(sql, values);
  return result as Row[];
}

/** Our tables in the connection's database, as information_schema.TABLES / COLUMNS / STATISTICS describe them. */
export async function snapshotMysql(connection: PoolConnection, processZone = processTimeZone()): Promise<{ snapshot: SchemaSnapshot; collations: Map<string, string> }> {
  const names = [...TABLE_NAMES, SETTINGS_TABLE];
  const relations = await rows(connection, 'SELECT TABLE_NAME AS name, TABLE_TYPE AS kind FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?)', [names]);
  const columns = await rows(
    connection,
    `SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra, COLLATION_NAME AS collation
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [TABLE_NAMES],
  );
  // A prefix (SUB_PART) or an expression (no COLUMN_NAME, MySQL 8 functional index) cannot serve as the ingest id's uniqueness.
  const parts = await rows(
    connection,
    `SELECT TABLE_NAME AS table_name, INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name, SUB_PART AS sub_part
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [TABLE_NAMES],
  );
  const tables: Record<string, ExistingTable | undefined> = {};
  const collations = new Map<string, string>();
  for (const relation of relations) {
    const name = String(relation.name);
    if (name === SETTINGS_TABLE) continue;
    const kind = String(relation.kind);
    const indexes = new Map<string, ExistingIndex & { columns: string[] }>();
    for (const part of parts.filter((p) => p.table_name === name)) {
      const indexName = String(part.name);
      let index = indexes.get(indexName);
      if (!index) indexes.set(indexName, (index = { name: indexName, unique: Number(part.non_unique) === 0, columns: [], partial: false }));
      if (part.column_name === null || part.column_name === undefined || part.sub_part !== null) index.partial = true;
      if (part.column_name !== null && part.column_name !== undefined) index.columns.push(String(part.column_name));
    }
    tables[name] = {
      kind: kind === 'BASE TABLE' ? 'table' : kind.includes('VIEW') ? 'view' : 'other',
      columns: columns.filter((c) => c.table_name === name).map((c) => {
        if (c.collation) collations.set(`${name}.${String(c.name).toLowerCase()}`, String(c.collation));
        const autoKey = /auto_increment/i.test(String(c.extra ?? ''));
        return {
          name: String(c.name),
          type: String(c.type),
          notNull: c.nullable === 'NO',
          // MariaDB reports a nullable column's absent default as the text 'NULL'; only NOT NULL columns are asked.
          hasDefault: c.dflt !== null || /DEFAULT_GENERATED|VIRTUAL|STORED|on update/i.test(String(c.extra ?? '')),
          autoKey,
        };
      }),
      indexes: [...indexes.values()],
    };
  }
  const settings = relations.some((r) => r.name === SETTINGS_TABLE)
    ? new Map((await rows(connection, `SELECT name, value FROM ${SETTINGS_TABLE}`)).map((r) => [String(r.name), String(r.value)]))
    : undefined;
  return { snapshot: { dialect: 'mysql', tables, settings, processZone }, collations };
}

/**
 * Time columns an existing table declares `DATETIME` without fractional seconds, as
 * `table.column`: the original's. MySQL rounds a fraction written there to the nearest second
 * (MySQL manual, "Fractional Seconds in Time Values"; MariaDB the same), so 12:00:00.600 would
 * become 12:00:01, while the original's `datetime.fromtimestamp(int(seconds))` truncates: the
 * sink truncates to whole seconds itself (mysql-sink.ts), so the same reading gets the same text.
 */
function wholeSecondColumns(snapshot: SchemaSnapshot): Set<string> {
  const out = new Set<string>();
  for (const table of TABLE_NAMES) {
    for (const column of snapshot.tables[table]?.columns ?? []) {
      if (/^(datetime|timestamp)$/i.test(column.type.trim())) out.add(`${table}.${column.name.toLowerCase()}`);
    }
  }
  return out;
}

function wholeSecondWarnings(columns: ReadonlySet<string>): string[] {
  return [...columns].filter((c) => c.endsWith('.timestamp')).map(
    (c) => `${c} is DATETIME without fractional seconds: device times are stored to the second (truncated, as the original does), so one device's readings within one second share a timestamp and the consistency check's duplicate readings count them, as the original's own check would`,
  );
}

/**
 * A case-folding collation on device_sn (the server default utf8mb4_general_ci is one) makes
 * "w1" and "W1" one device in GROUP BY and in lookups. Changing it would rebuild the table, so
 * it is left and said. `_bin` and `_cs` collations compare case.
 */
function collationWarnings(collations: ReadonlyMap<string, string>): string[] {
  const warnings: string[] = [];
  for (const table of TABLE_NAMES) {
    const collation = collations.get(`${table}.device_sn`);
    if (collation && !/_(bin|cs)$/i.test(collation)) {
      warnings.push(`${table}.device_sn has collation ${collation}, which ignores case: serials differing only in case are one device to MySQL's GROUP BY and lookups (the consistency check's duplicate groups among them); kept as it is, changing it rewrites the table`);
    }
  }
  return warnings;
}

async function runStatement(connection: PoolConnection, statement: string, description: string, warnings: string[]): Promise<void> {
  const online = onlineVariant(statement);
  try {
    try {
      await connection.query(online ?? statement);
    } catch (error) {
      const errno = (error as { errno?: unknown }).errno;
      if (online === undefined || typeof errno !== 'number' || !ONLINE_DDL_UNSUPPORTED.has(errno)) throw error;
      warnings.push(offlineWarning(statement, String((error as Error).message)));
      await connection.query(statement);
    }
  } catch (error) {
    // 1062: a unique index over ingest ids stored twice; 1061: an index of that name already exists.
    const errno = (error as { errno?: unknown }).errno;
    if (errno === 1062 || errno === 1061) throw statementRefused(description, statement, error);
    throw error;
  }
}

/**
 * Plans (adoption-plan.ts, MySQL dialect) and runs the plan on `connection`, under the
 * server-wide named lock `streamctl_schema` (GET_LOCK, MySQL manual "Locking Functions"), so two
 * instances starting together plan one after the other and the second finds nothing to do. DDL
 * in MySQL commits implicitly, so unlike SQLite and PostgreSQL a failure part-way leaves the
 * statements before it done; every one of them only adds (a column, an index, the settings
 * table), and the next start plans from what is there and does the rest. With `noMigrate` a plan
 * with any statement is refused (no-migrate.ts) and nothing runs. Throws UsageError (exit 64)
 * when the database cannot be adopted, an Error when the lock is not had within 10 s.
 */
export interface MysqlSchemaOutcome extends SchemaOutcome {
  /** `table.column` time columns that hold whole seconds only (wholeSecondColumns). */
  wholeSeconds: ReadonlySet<string>;
}

export async function prepareMysqlSchema(connection: PoolConnection, description: string, options: { noMigrate?: boolean } = {}): Promise<MysqlSchemaOutcome> {
  const problem = mysqlSessionProblem((await rows(connection, MYSQL_SESSION_CHECK))[0]);
  if (problem) throw new Error(`${description}: ${problem}; streamctl's SQL needs it`);
  const [lock] = await rows(connection, 'SELECT GET_LOCK(?, ?) AS got', [SCHEMA_LOCK, SCHEMA_LOCK_WAIT_S]);
  if (Number(lock?.got) !== 1) throw new Error(`${description}: another streamctl has held the schema lock ${SCHEMA_LOCK} for over ${SCHEMA_LOCK_WAIT_S} s (adding an index to a large table?); retrying`);
  try {
    const { snapshot, collations } = await snapshotMysql(connection);
    const result = planAdoption(snapshot);
    if (!result.ok) throw refusalError(description, result.refusal);
    if (options.noMigrate) {
      const refusal = noMigrateRefusal(description, result.plan);
      if (refusal) throw refusal;
    }
    const wholeSeconds = wholeSecondColumns(snapshot);
    const warnings = [...result.plan.warnings, ...collationWarnings(collations), ...wholeSecondWarnings(wholeSeconds)];
    for (const statement of result.plan.statements) await runStatement(connection, statement, description, warnings);
    return { ...outcomeOf(result.plan), warnings, wholeSeconds };
  } finally {
    await connection.query('SELECT RELEASE_LOCK(?)', [SCHEMA_LOCK]).catch(() => undefined);
  }
}
