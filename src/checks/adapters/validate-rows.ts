import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SETTINGS_TABLE, storedTimeOf } from '../../shared/database-settings.js';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import type { StoredTime } from '../../shared/stored-time.js';
import { LAYOUT } from '../layout.js';
import type { StoredRow } from '../validate/classify.js';
import type { SampleRowSource } from '../validate/run.js';
import { isMysqlUrl } from '../../shared/mysql-session.js';
import { openMysqlValidationRows } from './mysql-validate-rows.js';
import { redactUrl } from '../../shared/redact.js';

const TABLE = LAYOUT.health_data.table;

export interface ClosableRowSource extends SampleRowSource {
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Rows with their times as ISO 8601 UTC, whatever the database stores (shared/stored-time.ts):
 * validate finds a sample's rows by the ISO device time it sent.
 */
function withIsoTimes(rows: StoredRow[], time: StoredTime): StoredRow[] {
  if (time.format === 'iso-utc') return rows;
  for (const row of rows) {
    if (typeof row.timestamp === 'string') row.timestamp = time.toIso(row.timestamp);
    if (typeof row.create_time === 'string') row.create_time = time.toIso(row.create_time);
  }
  return rows;
}

function timeOf(settings: ReadonlyMap<string, string> | undefined, description: string): StoredTime {
  try {
    return storedTimeOf(settings);
  } catch (error) {
    throw new UnreachableError(`cannot read ${TABLE} in ${description}: ${errorMessage(error)}`);
  }
}

/** Validate's reads: the health rows of the run's test devices, through the (device_sn, timestamp) index. */
export async function openValidationRows(location: string): Promise<ClosableRowSource> {
  if (isMysqlUrl(location)) return openMysqlValidationRows(location);
  if (/^postgres(ql)?:\/\//.test(location)) {
    const pool = new pg.Pool({ connectionString: location, max: 1, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    try {
      await pool.query(`SELECT 1 FROM ${TABLE} LIMIT 1`);
    } catch (error) {
      await pool.end().catch(() => {});
      throw new UnreachableError(`cannot read ${TABLE} at ${redactUrl(location)}: ${errorMessage(error)}`);
    }
    let time: StoredTime;
    try {
      const present = (await pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [SETTINGS_TABLE])).rows[0]?.present;
      const settings = present ? new Map((await pool.query(`SELECT name, value FROM ${SETTINGS_TABLE}`)).rows.map((r) => [String(r.name), String(r.value)])) : undefined;
      time = timeOf(settings, redactUrl(location));
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return {
      description: redactUrl(location),
      async rowsOf(deviceSns) {
        return withIsoTimes((await pool.query(`SELECT * FROM ${TABLE} WHERE device_sn = ANY($1::text[])`, [deviceSns])).rows as StoredRow[], time);
      },
      close: () => pool.end(),
    };
  }
  if (!existsSync(location)) throw new UnreachableError(`database ${location} does not exist`, 'pass the SQLite file `streamctl serve` writes (--database)');
  let db: Database.Database;
  try {
    db = new Database(location, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.prepare(`SELECT 1 FROM ${TABLE} LIMIT 1`).get();
  } catch (error) {
    throw new UnreachableError(`cannot read ${TABLE} in ${location}: ${errorMessage(error)}`);
  }
  const hasSettings = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(SETTINGS_TABLE) !== undefined;
  const settings = hasSettings ? new Map((db.prepare(`SELECT name, value FROM ${SETTINGS_TABLE}`).all() as Array<{ name: string; value: string }>).map((r) => [r.name, r.value])) : undefined;
  let time: StoredTime;
  try {
    time = timeOf(settings, location);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    description: `sqlite:${location}`,
    async rowsOf(deviceSns) {
      if (deviceSns.length === 0) return [];
      return withIsoTimes(db.prepare(`SELECT * FROM ${TABLE} WHERE device_sn IN (${deviceSns.map(() => '?').join(',')})`).all(...deviceSns) as StoredRow[], time);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
