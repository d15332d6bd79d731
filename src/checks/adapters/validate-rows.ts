import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { LAYOUT } from '../layout.js';
import type { StoredRow } from '../validate/classify.js';
import type { SampleRowSource } from '../validate/run.js';
import { redactUrl } from './postgres-consistency.js';

const TABLE = LAYOUT.health_data.table;

export interface ClosableRowSource extends SampleRowSource {
  readonly description: string;
  close(): Promise<void>;
}

/** Validate's reads: the health rows of the run's test devices, through the (device_sn, timestamp) index. */
export async function openValidationRows(location: string): Promise<ClosableRowSource> {
  if (/^postgres(ql)?:\/\//.test(location)) {
    const pool = new pg.Pool({ connectionString: location, max: 1, connectionTimeoutMillis: 5_000 });
    pool.on('error', () => {});
    try {
      await pool.query(`SELECT 1 FROM ${TABLE} LIMIT 1`);
    } catch (error) {
      await pool.end().catch(() => {});
      throw new UnreachableError(`cannot read ${TABLE} at ${redactUrl(location)}: ${errorMessage(error)}`);
    }
    return {
      description: redactUrl(location),
      async rowsOf(deviceSns) {
        return (await pool.query(`SELECT * FROM ${TABLE} WHERE device_sn = ANY($1::text[])`, [deviceSns])).rows as StoredRow[];
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
  return {
    description: `sqlite:${location}`,
    async rowsOf(deviceSns) {
      if (deviceSns.length === 0) return [];
      return db.prepare(`SELECT * FROM ${TABLE} WHERE device_sn IN (${deviceSns.map(() => '?').join(',')})`).all(...deviceSns) as StoredRow[];
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
