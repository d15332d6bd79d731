import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { ExistingTable } from '../../src/runtime/sinks/adoption-plan.js';

/** The original service beside this repository, and the python that has its dependencies. */
const ORIGINAL_DIR = resolve(new URL('../..', import.meta.url).pathname, '../shared/reference/original-service');
const PYTHON = '/usr/bin/python3';

/** A row as the original's code writes it (models.py MAIN_COLUMNS); times are set by the script. */
export interface OriginalRow {
  device_sn: string;
  heart_rate?: number;
  /** Device time, unix seconds: stored as the original's batch path does, `datetime.fromtimestamp()`. */
  deviceSeconds: number;
  upload_method: 'optimized' | 'stream_v2';
  /** How long before now the row was created (default 0: create_time = now, like NOW()). */
  ageSeconds?: number;
}

function python(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(PYTHON, args, { cwd: ORIGINAL_DIR, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') fail(new Error(`${PYTHON} failed: ${error.message}\n${stderr}`));
      else done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * Creates the original's database with its own code: models.py `db.init()` (its exact SCHEMA and
 * indexes), then rows through `db.insert_main_records()` (create_time = now) or, for older rows,
 * the same INSERT with an earlier create_time. Runs in `zone`, as the original would on its host.
 */
export async function createOriginalDatabase(path: string, zone: string, rows: readonly OriginalRow[]): Promise<void> {
  const script = `
import json, sys
from datetime import datetime, timedelta
sys.path.insert(0, '.')
import models
from models import db, fmt_dt, MAIN_COLUMNS, TABLE
db.init()
rows = json.loads(${JSON.stringify(JSON.stringify(rows))})
now = [r for r in rows if not r.get('ageSeconds')]
older = [r for r in rows if r.get('ageSeconds')]
def main_data(r):
    return {'device_sn': r['device_sn'], 'heart_rate': r.get('heart_rate'), 'timestamp': datetime.fromtimestamp(r['deviceSeconds']), 'upload_method': r['upload_method']}
db.insert_main_records([main_data(r) for r in now])
conn = db.connect()
with conn:
    for r in older:
        d = main_data(r)
        cols = MAIN_COLUMNS + ['create_time']
        conn.execute(f"INSERT INTO {TABLE} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                     tuple(fmt_dt(d.get(c)) for c in MAIN_COLUMNS) + (fmt_dt(datetime.now() - timedelta(seconds=r['ageSeconds'])),))
conn.close()
`;
  const result = await python(['-c', script], { HEALTH_DB_PATH: path, TZ: zone });
  if (result.code !== 0) throw new Error(`creating the original's database failed:\n${result.stderr}`);
}

export interface OriginalConsistency {
  traditional_count: number;
  stream_count: number;
  total_count: number;
  duplicates: number;
  consistency_ok: boolean;
}

/** `app.py consistency --db PATH` (the original's verify_database_consistency()), run in `zone`. */
export async function originalConsistency(path: string, zone: string): Promise<{ code: number; result: OriginalConsistency }> {
  const { code, stdout, stderr } = await python([resolve(ORIGINAL_DIR, 'app.py'), 'consistency', '--db', path], { HEALTH_DB_PATH: path, TZ: zone });
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return { code, result: JSON.parse(line) as OriginalConsistency };
  } catch {
    throw new Error(`app.py consistency printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

/**
 * `user_health_data` as PRAGMA table_info / index_list describe models.py's SCHEMA; the
 * adoption test checks this against a file the original's own code made.
 */
export const ORIGINAL_TABLE: ExistingTable = {
  kind: 'table',
  columns: [
    { name: 'id', type: 'INTEGER', notNull: false, hasDefault: false, autoKey: true },
    { name: 'device_sn', type: 'TEXT', notNull: true, hasDefault: false, autoKey: false },
    ...['user_id', 'org_id', 'customer_id'].map((name) => ({ name, type: 'INTEGER', notNull: false, hasDefault: false, autoKey: false })),
    ...['heart_rate', 'blood_oxygen', 'temperature', 'pressure_high', 'pressure_low', 'stress', 'step', 'distance', 'calorie', 'latitude', 'longitude', 'altitude'].map(
      (name) => ({ name, type: 'NUMERIC', notNull: false, hasDefault: false, autoKey: false }),
    ),
    ...['sleep', 'timestamp', 'upload_method'].map((name) => ({ name, type: 'TEXT', notNull: false, hasDefault: false, autoKey: false })),
    { name: 'create_time', type: 'TEXT', notNull: true, hasDefault: false, autoKey: false },
  ],
  indexes: [
    { name: 'idx_uhd_sn_ts', unique: false, columns: ['device_sn', 'timestamp'], partial: false },
    { name: 'idx_uhd_create_time', unique: false, columns: ['create_time'], partial: false },
  ],
};
