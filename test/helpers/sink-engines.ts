import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_SESSION_SETUP, mysqlPoolOptions } from '../../src/shared/mysql-session.js';
import { mysqlDatetimeToIso } from '../../src/shared/mysql-time.js';
import { startTestMariadb, type TestMariadb } from './mariadb.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';

export type Row = Record<string, unknown>;

export interface Plain {
  rows(sql: string): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * One real database engine for the sink conformance suite (test/integration/sinks/conformance.test.ts):
 * where `--database` points, plain SQL on it with `?` placeholders, and fresh databases on the
 * same server. No mocks: SQLite files, a throwaway PostgreSQL cluster, a throwaway MariaDB.
 */
export interface SinkEngine {
  readonly name: 'sqlite' | 'postgres' | 'mariadb';
  /** The `--database` value of the engine's main test database. */
  readonly location: string;
  /** Rows of a query on the main database; `?` placeholders. Times come back as the engine stores them. */
  rows(sql: string, params?: unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  /** Stored time -> ISO 8601 UTC, for a database serve created (iso-utc). */
  storedIso(value: unknown): string | null;
  /** A new empty database on the same server; its `--database` value. */
  freshDatabase(name: string): Promise<string>;
  /** A connection to another database of the server (a fresh one), by its `--database` value. */
  at(location: string): Promise<Plain>;
  /** The original service's `user_health_data` as this engine would hold it, with two rows of its own. */
  readonly originalDdl: readonly string[];
  stop(): Promise<void>;
}

export const ORIGINAL_ROWS = [
  { device_sn: 'ORIG_A', heart_rate: 60, timestamp: '2025-11-25 00:00:00', upload_method: 'optimized', create_time: '2026-11-30 04:00:10' },
  { device_sn: 'ORIG_B', heart_rate: 61, timestamp: '2025-11-25 00:01:00', upload_method: 'stream_v2', create_time: '2026-11-30 04:00:20' },
] as const;

const ORIGINAL_INSERT = `INSERT INTO user_health_data (device_sn, heart_rate, "timestamp", upload_method, create_time) VALUES ${ORIGINAL_ROWS.map(
  (r) => `('${r.device_sn}', ${r.heart_rate}, '${r.timestamp}', '${r.upload_method}', '${r.create_time}')`,
).join(', ')}`;

export async function startSqliteEngine(): Promise<SinkEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-conformance-'));
  const location = join(dir, 'main.db');
  const open = () => new Database(location);
  return {
    name: 'sqlite',
    location,
    async rows(sql, params = []) {
      const db = open();
      try {
        return db.prepare(sql).all(...(params as unknown[])) as Row[];
      } finally {
        db.close();
      }
    },
    async exec(sql) {
      const db = open();
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    storedIso: (value) => (value === null ? null : String(value)),
    freshDatabase: async (name) => join(dir, `${name}.db`),
    async at(where) {
      const db = new Database(where);
      return { rows: async (sql) => db.prepare(sql).all() as Row[], exec: async (sql) => void db.exec(sql), close: async () => void db.close() };
    },
    // models.py's own SCHEMA (SQLite is what the harness's original runs on).
    originalDdl: [
      `CREATE TABLE user_health_data (id INTEGER PRIMARY KEY AUTOINCREMENT, device_sn TEXT NOT NULL, user_id INTEGER, org_id INTEGER, customer_id INTEGER,
         heart_rate NUMERIC, blood_oxygen NUMERIC, temperature NUMERIC, pressure_high NUMERIC, pressure_low NUMERIC, stress NUMERIC, step NUMERIC,
         distance NUMERIC, calorie NUMERIC, latitude NUMERIC, longitude NUMERIC, altitude NUMERIC, sleep TEXT, timestamp TEXT, upload_method TEXT,
         create_time TEXT NOT NULL)`,
      'CREATE INDEX idx_uhd_create_time ON user_health_data(create_time)',
      'CREATE INDEX idx_uhd_sn_ts ON user_health_data(device_sn, timestamp)',
      ORIGINAL_INSERT,
    ],
    stop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function startPostgresEngine(): Promise<SinkEngine> {
  const server: TestPostgres = await startTestPostgres();
  const client = new pg.Client(server.url);
  client.on('error', () => undefined);
  await client.connect();
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    name: 'postgres',
    location: server.url,
    rows: async (sql, params = []) => (await client.query(numbered(sql), params)).rows as Row[],
    exec: async (sql) => void (await client.query(sql)),
    storedIso: (value) => (value === null ? null : String(value)),
    async freshDatabase(name) {
      await client.query(`CREATE DATABASE ${name}`);
      return server.url.replace(/\/streamctl_test$/, `/${name}`);
    },
    async at(where) {
      const other = new pg.Client(where);
      await other.connect();
      return { rows: async (sql) => (await other.query(sql)).rows as Row[], exec: async (sql) => void (await other.query(sql)), close: () => other.end() };
    },
    // A PostgreSQL port of models.py: NUMERIC readings, TEXT times.
    originalDdl: [
      `CREATE TABLE user_health_data (id BIGSERIAL PRIMARY KEY, device_sn TEXT NOT NULL, user_id BIGINT, org_id BIGINT, customer_id BIGINT,
         heart_rate NUMERIC, blood_oxygen NUMERIC, temperature NUMERIC, pressure_high NUMERIC, pressure_low NUMERIC, stress NUMERIC, step NUMERIC,
         distance NUMERIC, calorie NUMERIC, latitude NUMERIC, longitude NUMERIC, altitude NUMERIC, sleep TEXT, "timestamp" TEXT, upload_method TEXT,
         create_time TEXT NOT NULL)`,
      'CREATE INDEX idx_uhd_create_time ON user_health_data (create_time)',
      'CREATE INDEX idx_uhd_sn_ts ON user_health_data (device_sn, "timestamp")',
      ORIGINAL_INSERT,
    ],
    async stop() {
      await client.end().catch(() => undefined);
      await server.stop();
    },
  };
}

/**
 * The original's table as SQLAlchemy on MySQL holds it: DATETIME times (second precision, the
 * original's local NOW()), DOUBLE readings, the server's default
 * utf8mb4_general_ci collation. NUMERIC alone would be DECIMAL(10,0) in MySQL, which rounds
 * 36.6 to 37: streamctl refuses such a column (column-types.ts).
 */
export const MYSQL_ORIGINAL_DDL = [
  `CREATE TABLE user_health_data (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, device_sn VARCHAR(64) NOT NULL, user_id BIGINT, org_id BIGINT, customer_id BIGINT,
     heart_rate DOUBLE, blood_oxygen DOUBLE, temperature DOUBLE, pressure_high DOUBLE, pressure_low DOUBLE, stress DOUBLE, step DOUBLE,
     distance DOUBLE, calorie DOUBLE, latitude DOUBLE, longitude DOUBLE, altitude DOUBLE, sleep TEXT, "timestamp" DATETIME, upload_method VARCHAR(32),
     create_time DATETIME NOT NULL, KEY idx_uhd_create_time (create_time), KEY idx_uhd_sn_ts (device_sn, "timestamp"))
   ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
];

export async function startMariadbEngine(): Promise<SinkEngine> {
  const server: TestMariadb = await startTestMariadb();
  const pool = mysql.createPool(mysqlPoolOptions(server.url, 1));
  pool.pool.on('connection', (connection) => connection.query(MYSQL_SESSION_SETUP, () => undefined));
  return {
    name: 'mariadb',
    location: server.url,
    rows: async (sql, params = []) => (await pool.query(sql, params))[0] as Row[],
    exec: async (sql) => void (await pool.query(sql)),
    storedIso: (value) => (value === null ? null : mysqlDatetimeToIso(String(value))),
    async freshDatabase(name) {
      const admin = await server.admin();
      try {
        await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4; GRANT ALL PRIVILEGES ON ${name}.* TO 'streamctl'@'127.0.0.1'`);
      } finally {
        await admin.end();
      }
      return server.url.replace(/\/streamctl_test$/, `/${name}`);
    },
    async at(where) {
      const { connectionLimit: _, waitForConnections: __, queueLimit: ___, ...options } = mysqlPoolOptions(where, 1);
      const connection = await mysql.createConnection(options);
      await connection.query(MYSQL_SESSION_SETUP);
      return { rows: async (sql) => (await connection.query(sql))[0] as Row[], exec: async (sql) => void (await connection.query(sql)), close: () => connection.end() };
    },
    originalDdl: [...MYSQL_ORIGINAL_DDL, ORIGINAL_INSERT],
    async stop() {
      await pool.end().catch(() => undefined);
      await server.stop();
    },
  };
}

export const ENGINES = [
  { name: 'sqlite', start: startSqliteEngine },
  { name: 'postgres', start: startPostgresEngine },
  { name: 'mariadb', start: startMariadbEngine },
] as const;
