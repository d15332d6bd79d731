import type pg from 'pg';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { processTimeZone } from '../../shared/stored-time.js';
import { planAdoption, type ExistingTable, type SchemaSnapshot } from './adoption-plan.js';
import { noMigrateRefusal } from './no-migrate.js';
import { TABLES } from './schema.js';
import { outcomeOf, refusalError, statementRefused, type SchemaOutcome } from './schema-outcome.js';

const TABLE_NAMES = Object.values(TABLES);

/** pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table. */
function kindOf(relkind: string): ExistingTable['kind'] {
  return relkind === 'r' || relkind === 'p' ? 'table' : relkind === 'v' || relkind === 'm' ? 'view' : 'other';
}

/** Our tables in the current schema, as pg_catalog and information_schema describe them. */
export async function snapshotPostgres(client: pg.PoolClient, processZone = processTimeZone()): Promise<SchemaSnapshot> {
  const relations = await client.query<{ name: string; kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    [TABLE_NAMES],
  );
  const columns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null; is_identity: string }>(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) ORDER BY ordinal_position`,
    [TABLE_NAMES],
  );
  // Key columns only (not INCLUDE ones); an expression's key is 0 and has no attribute.
  const indexes = await client.query<{ table_name: string; name: string; unique: boolean; partial: boolean; columns: string[] }>(
    `SELECT t.relname AS table_name, i.relname AS name, x.indisunique AS unique,
            (x.indpred IS NOT NULL OR 0 = ANY (x.indkey::int2[])) AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                  WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = current_schema() AND t.relname = ANY($1::text[])`,
    [TABLE_NAMES],
  );
  const tables: Record<string, ExistingTable | undefined> = {};
  for (const relation of relations.rows) {
    tables[relation.name] = {
      kind: kindOf(relation.kind),
      columns: columns.rows.filter((c) => c.table_name === relation.name).map((c) => ({
        name: c.column_name,
        type: c.data_type,
        notNull: c.is_nullable === 'NO',
        hasDefault: c.column_default !== null || c.is_identity === 'YES',
        autoKey: c.is_identity === 'YES' || /^nextval\(/.test(c.column_default ?? ''),
      })),
      indexes: indexes.rows.filter((i) => i.table_name === relation.name).map((i) => ({ name: i.name, unique: i.unique, columns: i.columns, partial: i.partial })),
    };
  }
  const present = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [SETTINGS_TABLE]);
  const settings = present.rows[0]?.present
    ? new Map((await client.query<{ name: string; value: string }>(`SELECT name, value FROM ${SETTINGS_TABLE}`)).rows.map((r) => [r.name, r.value]))
    : undefined;
  return { dialect: 'postgres', tables, settings, processZone };
}

/**
 * Plans and runs the plan on `client`, inside the caller's transaction (which holds the schema
 * advisory lock): DDL is transactional in PostgreSQL, so a refusal or a failed statement leaves
 * nothing behind. Throws UsageError (exit 64) when the database cannot be adopted, or with
 * `noMigrate` would need a change (no-migrate.ts).
 */
export async function preparePostgresSchema(client: pg.PoolClient, description: string, options: { noMigrate?: boolean } = {}): Promise<SchemaOutcome> {
  const result = planAdoption(await snapshotPostgres(client));
  if (!result.ok) throw refusalError(description, result.refusal);
  const refusal = options.noMigrate ? noMigrateRefusal(description, result.plan) : undefined;
  if (refusal) throw refusal;
  for (const statement of result.plan.statements) {
    try {
      await client.query(statement);
    } catch (error) {
      // 23505: a unique index over values stored twice; 42P07: an index of that name on another table.
      const code = String((error as { code?: unknown }).code);
      if (code === '23505' || code === '42P07') throw statementRefused(description, statement, error);
      throw error;
    }
  }
  return outcomeOf(result.plan);
}
