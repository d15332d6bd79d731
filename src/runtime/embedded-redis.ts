import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { StreamctlError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-code.js';
import { freePort } from '../shared/free-port.js';
import { currentProcess, isAlive, type ProcessIdentity } from './process-identity.js';
import { processExists } from '../shared/process-exists.js';

export interface EmbeddedRedisOptions {
  /** Directory for the AOF and the pid/port files. */
  dir: string;
  port?: number;
  appendonly?: boolean;
  binary?: string;
  /** How long to wait for PING to answer after spawning. */
  startTimeoutMs?: number;
}

export interface EmbeddedRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** True when a server left running by an earlier process (killed with -9) was reused. */
  readonly adopted: boolean;
  /**
   * Stops the server, letting it fsync its AOF; idempotent. Only a server this process started or
   * adopted: once the run file names another live owner, it is left running.
   */
  stop(): Promise<void>;
  /** Sends SIGKILL: for fault tests that need Redis to vanish without a goodbye. */
  kill(): void;
}

const MISSING_BINARY =
  'redis-server was not found: install the Debian package `redis-server` (apt-get install redis-server) or point streamctl at a running Redis with --redis-url';

function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}


async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

/** `<dir>/streamctl-redis.json`: the server's pid and port, and the streamctl process that owns it. */
interface RunFile {
  pid: number;
  port: number;
  /** Absent in run files written before owners were recorded: such a server is adopted. */
  owner?: ProcessIdentity;
}

function readRunFile(runFile: string): RunFile | undefined {
  try {
    return JSON.parse(readFileSync(runFile, 'utf8')) as RunFile;
  } catch {
    return undefined;
  }
}

function writeRunFile(runFile: string, pid: number, port: number): void {
  writeFileSync(runFile, JSON.stringify({ pid, port, owner: currentProcess() } satisfies RunFile));
}

/** Whether the run file names a live streamctl process other than this one as the server's owner. */
function ownedByAnother(run: RunFile | undefined): run is RunFile & { owner: ProcessIdentity } {
  return run?.owner !== undefined && run.owner.pid !== process.pid && isAlive(run.owner);
}

/**
 * A runtime killed with -9 leaves its redis-server child running on the same data directory.
 * Starting a second server on that AOF would fork the data, so the survivor is reused instead,
 * and becomes this process's to stop. A server whose owner still runs is never taken: the data
 * dir lock keeps a second serve out before this point, and this refusal backs it up.
 */
async function adoptSurvivor(dir: string): Promise<RunFile | undefined> {
  const runFile = join(dir, 'streamctl-redis.json');
  if (!existsSync(runFile)) return undefined;
  const previous = readRunFile(runFile);
  if (previous && processExists(previous.pid) && (await ping(previous.port))) {
    if (ownedByAnother(previous)) {
      throw new StreamctlError(
        `the redis-server in ${dir} (PID ${previous.pid}, port ${previous.port}) belongs to the running streamctl process ${previous.owner.pid}`,
        ExitCode.CouldNotRun,
        'stop that instance first, or pass another --data-dir',
      );
    }
    writeRunFile(runFile, previous.pid, previous.port);
    return previous;
  }
  // Unreadable, or its server is gone: stale.
  rmSync(runFile, { force: true });
  return undefined;
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const runFile = join(dir, 'streamctl-redis.json');

  const survivor = await adoptSurvivor(dir);
  if (survivor) return handle(undefined, survivor.port, survivor.pid, true, runFile);

  const port = options.port ?? (await freePort());
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', options.appendonly === false ? 'no' : 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    // Explicit rather than the binary's built-in default: only noeviction keeps Redis from deleting
    // accepted uploads and the ledger, and serve refuses any other (shared/eviction-policy.ts).
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--protected-mode', 'yes',
    '--loglevel', 'warning',
    '--logfile', join(dir, 'redis.log'),
  ];
  let child: ChildProcess;
  try {
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and a
    // redis-server that quit at once would take the streams away while serve is still draining them.
    child = spawn(options.binary ?? 'redis-server', args, { stdio: 'ignore', detached: true });
  } catch {
    throw new StreamctlError(MISSING_BINARY, ExitCode.CouldNotRun);
  }
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolveSpawn) => {
    child.once('error', (error) => resolveSpawn(error as NodeJS.ErrnoException));
    child.once('spawn', () => resolveSpawn(undefined));
  });
  if (spawnError) {
    if (spawnError.code === 'ENOENT') throw new StreamctlError(MISSING_BINARY, ExitCode.CouldNotRun);
    throw new StreamctlError(`could not start redis-server: ${spawnError.message}`, ExitCode.CouldNotRun);
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const up = await waitUntil(async () => exited || (await ping(port, 200)), options.startTimeoutMs ?? 10_000);
  if (!up || exited) {
    child.kill('SIGKILL');
    throw new StreamctlError(
      `redis-server did not start on port ${port} (see ${join(dir, 'redis.log')})`,
      ExitCode.CouldNotRun,
      'another server may hold the data directory; pass --data-dir or --redis-url',
    );
  }
  if (child.pid !== undefined) writeRunFile(runFile, child.pid, port);
  return handle(child, port, child.pid, false, runFile);
}

function handle(child: ChildProcess | undefined, port: number, pid: number | undefined, adopted: boolean, runFile: string): EmbeddedRedis {
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    adopted,
    stop() {
      stopping ??= (async () => {
        // Checked again at the point of action: stopping another live instance's Redis turns it
        // `degraded` until it is restarted.
        if (ownedByAnother(readRunFile(runFile))) return;
        if (pid !== undefined && processExists(pid)) {
          // SIGTERM makes redis-server flush the AOF before it exits.
          process.kill(pid, 'SIGTERM');
          const gone = await waitUntil(() => !processExists(pid) || child?.exitCode != null || child?.signalCode != null, 10_000);
          if (!gone) process.kill(pid, 'SIGKILL');
        }
        rmSync(runFile, { force: true });
      })();
      return stopping;
    },
    kill() {
      if (pid !== undefined && processExists(pid)) process.kill(pid, 'SIGKILL');
    },
  };
}
