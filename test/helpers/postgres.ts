import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/shared/free-port.js';

export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/streamctl_test`: trust auth, no password. */
  readonly url: string;
  /** `pg_ctl stop -m fast`, then removes the cluster's directory. Safe to call twice. */
  stop(): Promise<void>;
}

const DATABASE = 'streamctl_test';
const SUPERUSER = 'postgres';

/** Debian's layout: /usr/lib/postgresql/<major>/bin; the highest major wins. `pg_config --bindir` otherwise. */
function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const bin = join(root, major, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (bin && existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  } catch {
    // No pg_config either.
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/<version>/bin: ' +
      'install the Debian package `postgresql` (apt-get install postgresql; `npm test` does it through scripts/bootstrap.sh)',
  );
}

/** A root test process hands the cluster to the `postgres` user: postgres refuses to run as root. */
function commandFor(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', SUPERUSER, '--', bin, ...args]];
  return [bin, args];
}

function run(bin: string, args: string[], cwd: string, timeoutMs = 30_000): Promise<string> {
  const [file, argv] = commandFor(bin, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { cwd, timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...argv].join(' ')} failed: ${error.message}\n${stderr || stdout}`));
      else resolve(stdout);
    });
  });
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * A real, throwaway PostgreSQL cluster: initdb into a `streamctl-pg-*` temporary directory, trust
 * auth, UTF8, fsync off, listening on a free loopback port with its socket in that directory (never
 * the system cluster's port or /var/run/postgresql). Start-up takes a second or two.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const pgCtl = join(bin, 'pg_ctl');
  let stopped = false;
  let started = false;
  // Belt and braces: a test process that dies without its afterAll leaves no cluster behind.
  const onExit = () => {
    if (started && !stopped) spawnSync(...commandFor(pgCtl, ['-D', data, 'stop', '-m', 'immediate', '-w']), { cwd: dir, stdio: 'ignore', timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    try {
      if (started) await run(pgCtl, ['-D', data, 'stop', '-m', 'fast', '-w'], dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions'], dir);
    let port = 0;
    // The free port can be taken between asking and binding; a fresh one is tried then.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        started = true;
        await run(pgCtl, ['-D', data, '-l', log, '-w', '-t', '30', '-o', options, 'start'], dir, 40_000);
        break;
      } catch (error) {
        await run(pgCtl, ['-D', data, 'stop', '-m', 'immediate'], dir).catch(() => undefined);
        started = false;
        if (attempt >= 3) throw new Error(`${(error as Error).message}\n--- ${log} ---\n${tail(log)}`);
      }
    }
    const admin = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
    } finally {
      await admin.end();
    }
    return { url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
