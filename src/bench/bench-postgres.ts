/**
 * A throwaway PostgreSQL for the bench, as test/helpers/postgres.ts starts one for the tests:
 * initdb into a temporary directory, trust auth on 127.0.0.1 only, a free port, its socket in
 * that directory (never the system cluster's). As root, the cluster runs as `postgres` (runuser):
 * postgres refuses to run as root. Durability like serve's SQLite (WAL, synchronous=NORMAL,
 * durable against a process crash): fsync on, synchronous_commit=off; the tests' fsync=off is
 * not used, it would flatter the figure.
 */
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../shared/free-port.js';
import { findBinary, MissingBinariesError, runBounded, userIds, type BenchDbServer } from './db-server.js';
import { killPid, type Resources } from './resources.js';
import { idWhere, type RowSource } from './sql-row-watcher.js';

const SUPERUSER = 'postgres';
const SETTINGS = 'fsync=on, synchronous_commit=off, shared_buffers=128MB (defaults otherwise)';
/** pg_ctl -w waits at most this long for start or stop; the process is killed 10 s after that. */
const PG_CTL_WAIT_S = 30;

/** Debian's /usr/lib/postgresql/<major>/bin, the highest major; undefined when not installed. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const bin = join(root, major, 'bin');
    if (findBinary(['initdb'], [bin]) && findBinary(['pg_ctl'], [bin])) return bin;
  }
  return undefined;
}

function asOwner(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', SUPERUSER, '--', bin, ...args]] : [bin, args];
}

function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Throws MissingBinariesError when initdb/pg_ctl are not installed; otherwise the start-up's error. */
export async function startBenchPostgres(resources: Resources): Promise<BenchDbServer> {
  const bin = binDir();
  if (!bin) throw new MissingBinariesError('PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/<version>/bin: install the Debian package `postgresql`');
  const dir = resources.tempDir('postgres');
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const { uid, gid } = await userIds(SUPERUSER, dir);
    chownSync(dir, uid, gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  const ctl = (args: string[]) => runBounded(...asOwner(pgCtl, ['-D', data, ...args]), dir, (PG_CTL_WAIT_S + 10) * 1_000);
  await runBounded(...asOwner(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-instructions']), dir, 120_000);
  let port = 0;
  let stopping: Promise<void> | undefined;
  const server: BenchDbServer = {
    name: 'postgres',
    version: '',
    pid: 0,
    settings: SETTINGS,
    stop() {
      stopping ??= ctl(['stop', '-m', 'fast', '-w', '-t', String(PG_CTL_WAIT_S)]).then(
        () => resources.remove(server),
        () => {
          killPid(postmasterPid(data));
          resources.remove(server);
        },
      );
      return stopping;
    },
    killNow: () => killPid(postmasterPid(data)),
    async createDatabase(name) {
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(name) {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name}`));
    },
    async rowSource(name) {
      const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: name, connectionTimeoutMillis: 5_000, statement_timeout: 5_000 });
      client.on('error', () => undefined);
      await client.connect();
      return postgresRows(client);
    },
  };
  async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 5_000, statement_timeout: 30_000 });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  // The free port can be taken between asking and binding: a fresh one is tried, three times.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_commit=off -c max_connections=100`;
    try {
      await ctl(['-l', log, '-w', '-t', String(PG_CTL_WAIT_S), '-o', options, 'start']);
      break;
    } catch (error) {
      await ctl(['stop', '-m', 'immediate']).catch(() => undefined);
      if (attempt >= 3) throw new Error(`${(error as Error).message}\n--- ${log} ---\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`);
    }
  }
  resources.add(server);
  (server as { pid: number }).pid = postmasterPid(data) ?? 0;
  const version = await admin((c) => c.query<{ server_version: string }>('SHOW server_version'));
  (server as { version: string }).version = `PostgreSQL ${version.rows[0]?.server_version.split(' ')[0] ?? 'unknown'}`;
  return server;
}

function postgresRows(client: pg.Client): RowSource {
  return {
    async rows(where) {
      const { sql, values } = idWhere(where, (n) => `$${n}`);
      const result = await client.query<{ id: string; create_time: string }>(`SELECT id, create_time FROM user_health_data WHERE ${sql} ORDER BY id`, values);
      // create_time is ISO 8601 UTC text in streamctl's own PostgreSQL tables (shared/stored-time.ts).
      return result.rows.map((r) => ({ id: Number(r.id), acceptedMs: Date.parse(r.create_time) }));
    },
    async count() {
      const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM user_health_data');
      return Number(result.rows[0]?.n ?? 0);
    },
    close: () => client.end(),
  };
}
