import { SETTINGS_TABLE, storedTimeOf } from '../../shared/database-settings.js';
import { UnreachableError, errorMessage } from '../../shared/errors.js';
import { mysqlStoredTime } from '../../shared/mysql-time.js';
import { redactUrl } from '../../shared/redact.js';
import type { StoredTime } from '../../shared/stored-time.js';
import { LAYOUT } from '../layout.js';
import type { StoredRow } from '../validate/classify.js';
import { openMysqlPool } from './mysql-consistency.js';
import type { SampleRowSource } from '../validate/run.js';

const TABLE = LAYOUT.health_data.table;

/**
 * Validate's reads from MySQL/MariaDB: the health rows of the run's test devices, times turned
 * into ISO 8601 UTC (DATETIME text in UTC, or the adopted original's local time). Throws
 * UnreachableError when the server or the table cannot be read.
 */
export async function openMysqlValidationRows(url: string): Promise<SampleRowSource & { readonly description: string; close(): Promise<void> }> {
  const description = redactUrl(url);
  const pool = await openMysqlPool(url);
  let time: StoredTime;
  try {
    await pool.query(`SELECT 1 FROM ${TABLE} LIMIT 1`);
    const [present] = await pool.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [SETTINGS_TABLE]);
    const settings = (present as unknown[]).length > 0
      ? new Map(((await pool.query(`SELECT name, value FROM ${SETTINGS_TABLE}`))[0] as Array<{ name: string; value: string }>).map((r) => [String(r.name), String(r.value)]))
      : undefined;
    time = mysqlStoredTime(storedTimeOf(settings));
  } catch (error) {
    await pool.end().catch(() => {});
    throw new UnreachableError(`cannot read ${TABLE} at ${description}: ${errorMessage(error)}`);
  }
  return {
    description,
    async rowsOf(deviceSns) {
      if (deviceSns.length === 0) return [];
      const [rows] = await pool.query(`SELECT * FROM ${TABLE} WHERE device_sn IN (?)`, [deviceSns]);
      const stored = rows as StoredRow[];
      for (const row of stored) {
        if (typeof row.timestamp === 'string') row.timestamp = time.toIso(row.timestamp);
        if (typeof row.create_time === 'string') row.create_time = time.toIso(row.create_time);
      }
      return stored;
    },
    close: () => pool.end(),
  };
}
