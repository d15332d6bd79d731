import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from '../../src/shared/free-port.js';

export interface TestMariadb {
  /** `mysql://streamctl:<password>@127.0.0.1:<port>/streamctl_test`: a real user with a password, all privileges on that database only. */
  readonly url: string;
  /** A root connection over the instance's socket, on the test database, times as text: for fixtures (e.g. the original's table) and looking. */
  admin(): Promise<mysql.Connection>;
  /** SIGTERM (InnoDB's clean shutdown), SIGKILL after 30 s; then removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

const DATABASE = 'streamctl_test';
const USER = 'streamctl';
const PASSWORD = 'streamctl-test-pw';
/** Debian's mariadb-server; the server refuses to run as root, so a root test process hands it to this user (`--user`). */
const SERVICE_USER = 'mysql';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

function binary(names: string[], dirs: string[]): string {
  for (const dir of dirs) for (const name of names) if (existsSync(join(dir, name))) return join(dir, name);
  throw new Error(
    `MariaDB server binaries (${names.join(' or ')}) not found in ${dirs.join(', ')}: ` +
      'install the Debian package `mariadb-server` (apt-get install mariadb-server; `npm test` does it through scripts/bootstrap.sh)',
  );
}

function run(file: string, args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...args].join(' ')} failed: ${error.message}\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * A real, throwaway MariaDB: `mariadb-install-db` into a `streamctl-mariadb-*` temporary
 * directory, then `mariadbd --no-defaults` (never /etc/mysql's config, the system's port 3306 or
 * /run/mysqld) listening on a free loopback port with its socket in that directory, durability
 * off (innodb_flush_log_at_trx_commit=0, no doublewrite, no binlog): a test instance. The server
 * keeps its default collation utf8mb4_general_ci, which folds case, so tests see that the tables
 * streamctl creates do not rely on it. As root the server runs as `mysql` (`--user=mysql`),
 * not `--user=root`: the same privileges the packaged service has. Start-up takes 2-5 s.
 */
export async function startTestMariadb(): Promise<TestMariadb> {
  const installDb = binary(['mariadb-install-db', 'mysql_install_db'], ['/usr/bin', '/usr/local/bin', '/usr/sbin']);
  const server = binary(['mariadbd', 'mysqld'], ['/usr/sbin', '/usr/local/sbin', '/usr/bin']);
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const log = join(dir, 'mariadbd.log');
  const asRoot = process.getuid?.() === 0;
  const userArgs = asRoot ? [`--user=${SERVICE_USER}`] : [];
  if (asRoot) {
    const ids = await run('id', [SERVICE_USER], dir);
    const uid = Number(/uid=(\d+)/.exec(ids)?.[1]);
    const gid = Number(/gid=(\d+)/.exec(ids)?.[1]);
    chownSync(dir, uid, gid);
  }
  let child: ChildProcess | undefined;
  let stopped = false;
  // Belt and braces: a test process that dies without its afterAll leaves no server behind.
  const onExit = () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await exited(child, STOP_TIMEOUT_MS))) {
          child.kill('SIGKILL');
          await exited(child, 5_000);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const connectRoot = () => mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true, connectTimeout: 2_000, dateStrings: true, charset: 'UTF8MB4_BIN' });

  try {
    await run(installDb, ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userArgs], dir, 120_000);
    let port = 0;
    // The free port can be taken between asking and binding; a fresh one is tried then.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const args = [
        '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1',
        `--pid-file=${join(dir, 'mariadbd.pid')}`, `--log-error=${log}`, '--skip-name-resolve', '--skip-log-bin',
        '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0', '--innodb-buffer-pool-size=64M', '--character-set-server=utf8mb4',
        ...userArgs,
      ];
      child = spawn(server, args, { cwd: dir, stdio: 'ignore' });
      const deadline = Date.now() + START_TIMEOUT_MS;
      let ready = false;
      while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
        try {
          const probe = await connectRoot();
          await probe.end();
          ready = true;
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      if (ready) break;
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited(child, 5_000);
      }
      if (attempt >= 3) throw new Error(`mariadbd did not accept connections within ${START_TIMEOUT_MS / 1000} s\n--- ${log} ---\n${tail(log)}`);
    }
    const admin = await connectRoot();
    try {
      await admin.query(
        `CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4; CREATE USER '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; ` +
          `GRANT ALL PRIVILEGES ON ${DATABASE}.* TO '${USER}'@'127.0.0.1'; FLUSH PRIVILEGES`,
      );
    } finally {
      await admin.end();
    }
    return {
      url: `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
      admin: async () => {
        const connection = await connectRoot();
        await connection.query(`USE ${DATABASE}`);
        return connection;
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
