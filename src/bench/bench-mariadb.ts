/**
 * A throwaway MariaDB for the bench, as test/helpers/mariadb.ts starts one for the tests:
 * `mariadb-install-db` into a temporary directory, `mariadbd --no-defaults` (never /etc/mysql's
 * config, port 3306 or /run/mysqld) on a free loopback port with its socket in that directory.
 * As root the server runs as `mysql` (`--user=mysql`). serve connects over TCP as a `bench` user
 * with a password; the harness creates and drops databases as root over the socket.
 * Durability like serve's SQLite (WAL, synchronous=NORMAL: survives a process crash, not a power
 * cut): innodb_flush_log_at_trx_commit=2 (the log written at each commit, flushed once a
 * second), doublewrite on, no binlog (a single server); the tests' =0 is not used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../shared/free-port.js';
import { findBinary, MissingBinariesError, runBounded, userIds, type BenchDbServer } from './db-server.js';
import { killPid, terminate, type Resources } from './resources.js';
import { idWhere, type RowSource } from './sql-row-watcher.js';

const SERVICE_USER = 'mysql';
const USER = 'bench';
const PASSWORD = 'streamctl-bench-pw';
const BUFFER_POOL = '256M';
const SETTINGS = `innodb_flush_log_at_trx_commit=2, innodb_buffer_pool_size=${BUFFER_POOL}, no binlog (defaults otherwise)`;
/** mariadbd answers within 2-5 s here; 60 s covers a slow disk, then it is killed. */
const START_TIMEOUT_MS = 60_000;
/** SIGTERM is InnoDB's clean shutdown; SIGKILL after this. */
const STOP_TIMEOUT_MS = 30_000;

/** Throws MissingBinariesError when mariadb-install-db/mariadbd are not installed; otherwise the start-up's error. */
export async function startBenchMariadb(resources: Resources): Promise<BenchDbServer> {
  const installDb = findBinary(['mariadb-install-db', 'mysql_install_db'], ['/usr/bin', '/usr/local/bin', '/usr/sbin']);
  const binary = findBinary(['mariadbd', 'mysqld'], ['/usr/sbin', '/usr/local/sbin', '/usr/bin']);
  if (!installDb || !binary) throw new MissingBinariesError('MariaDB server binaries (mariadb-install-db, mariadbd) not found: install the Debian package `mariadb-server`');
  const dir = resources.tempDir('mariadb');
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const log = join(dir, 'mariadbd.log');
  const asRoot = process.getuid?.() === 0;
  const userArgs = asRoot ? [`--user=${SERVICE_USER}`] : [];
  if (asRoot) {
    const { uid, gid } = await userIds(SERVICE_USER, dir);
    chownSync(dir, uid, gid);
  }
  await runBounded(installDb, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs], dir, 120_000);
  const root = () => mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true, connectTimeout: 2_000 });
  async function admin<T>(work: (c: mysql.Connection) => Promise<T>): Promise<T> {
    const c = await root();
    try {
      return await work(c);
    } finally {
      await c.end();
    }
  }

  let child: ChildProcess | undefined;
  let port = 0;
  // The free port can be taken between asking and binding: a fresh one is tried, three times.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    child = spawn(binary, [
      '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
      `--pid-file=${join(dir, 'mariadbd.pid')}`, `--log-error=${log}`, '--skip-name-resolve', '--skip-log-bin',
      '--innodb-flush-log-at-trx-commit=2', `--innodb-buffer-pool-size=${BUFFER_POOL}`, '--character-set-server=utf8mb4', '--max-connections=200',
      ...userArgs,
    ], { cwd: dir, stdio: 'ignore' });
    resources.trackChild(child);
    const deadline = Date.now() + START_TIMEOUT_MS;
    let ready = false;
    while (!ready && Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      ready = await admin(async () => true).catch(() => false);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (ready) break;
    await terminate(child.pid, 5_000);
    if (attempt >= 3) throw new Error(`mariadbd did not accept connections within ${START_TIMEOUT_MS / 1000} s (see ${log})`);
  }
  const pid = child.pid!;
  await admin((c) => c.query(`CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'127.0.0.1'`));
  const [versionRows] = await admin((c) => c.query('SELECT VERSION() AS v'));
  const version = String((versionRows as Array<{ v: string }>)[0]?.v ?? 'unknown').replace(/-MariaDB.*$/, '');
  let stopping: Promise<void> | undefined;
  const server: BenchDbServer = {
    name: 'mariadb',
    version: `MariaDB ${version}`,
    pid,
    settings: SETTINGS,
    stop() {
      stopping ??= terminate(pid, STOP_TIMEOUT_MS).then(() => resources.remove(server));
      return stopping;
    },
    killNow: () => killPid(pid),
    async createDatabase(name) {
      await admin((c) => c.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`));
      return `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(name) {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`));
    },
    async rowSource(name) {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: name, connectTimeout: 5_000, dateStrings: true });
      c.on('error', () => undefined);
      // DATETIME(3) holds UTC text (serve's sessions run at '+00:00'): read it as written.
      await c.query("SET SESSION time_zone = '+00:00'");
      return mariadbRows(c);
    },
  };
  return resources.add(server);
}

/** `2026-11-29 21:50:00.123` (DATETIME(3), UTC) -> ms epoch. */
export function parseUtcDatetime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function mariadbRows(c: mysql.Connection): RowSource {
  return {
    async rows(where) {
      const { sql, values } = idWhere(where, () => '?');
      const [rows] = await c.query({ sql: `SELECT id, create_time FROM user_health_data WHERE ${sql} ORDER BY id`, values, timeout: 5_000 });
      return (rows as Array<{ id: number | string; create_time: string }>).map((r) => ({ id: Number(r.id), acceptedMs: parseUtcDatetime(r.create_time) }));
    },
    async count() {
      const [rows] = await c.query({ sql: 'SELECT count(*) AS n FROM user_health_data', timeout: 30_000 });
      return Number((rows as Array<{ n: number | string }>)[0]?.n ?? 0);
    },
    close: () => c.end(),
  };
}
