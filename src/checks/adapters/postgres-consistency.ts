import pg from 'pg';
import { SETTINGS_TABLE } from '../../shared/database-settings.js';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { redactUrl } from '../../shared/redact.js';
import type { ConsistencyDatabase } from '../consistency/ports.js';
import { postgresPlaceholder, type Query } from './consistency-sql.js';
import { SqlConsistency, type Row } from './sql-consistency.js';

export async function openPostgresConsistency(url: string): Promise<ConsistencyDatabase> {
  // One connection is enough: the check's queries run one after the other.
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000, statement_timeout: 120_000 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new UnreachableError(`cannot reach PostgreSQL at ${redactUrl(url)}: ${errorMessage(error)}`);
  }
  return new PostgresConsistency(pool, redactUrl(url));
}

class PostgresConsistency extends SqlConsistency {
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    description: string,
  ) {
    super(description, postgresPlaceholder);
  }

  protected async all(query: Query): Promise<Row[]> {
    return (await this.pool.query(query.text, query.values)).rows as Row[];
  }

  protected async columnsOf(table: string): Promise<Set<string>> {
    const rows = await this.all({ text: 'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', values: [table] });
    return new Set(rows.map((r) => String(r.column_name)));
  }

  protected async readSettings(): Promise<ReadonlyMap<string, string> | undefined> {
    const [present] = await this.all({ text: 'SELECT to_regclass($1) IS NOT NULL AS present', values: [SETTINGS_TABLE] });
    if (!present?.present) return undefined;
    const rows = await this.all({ text: `SELECT name, value FROM ${SETTINGS_TABLE}`, values: [] });
    return new Map(rows.map((r) => [String(r.name), String(r.value)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
