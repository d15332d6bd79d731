/**
 * Starts what the benchmark measures, each as its own process so /proc shows its CPU and RSS:
 * `streamctl serve`, the bare node:http yardstick, and harness-owned redis-servers.
 * Servers are spawned through bash with `ulimit -n` raised, then exec'ed (the pid stays theirs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../shared/free-port.js';
import { killPid, terminate, type Resources, type Stoppable } from './resources.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
/** Raise the open-file limit as far as allowed (65536, else the hard limit) before exec'ing. */
const RAISE_NOFILE = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

export function spawnWithNofile(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn('bash', ['-c', RAISE_NOFILE, 'bench', command, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout match of `pattern`; rejects on exit or after `timeoutMs`. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number, stderrTail: () => string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`no "${pattern.source}" within ${timeoutMs} ms\n${stderrTail()}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (match) finish(undefined, match);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`exited (${code ?? signal}) before it was ready\n${stderrTail()}`));
    function finish(error: Error | undefined, match?: RegExpMatchArray) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(match!);
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

function captureStderr(child: ChildProcess, logFile?: string): () => string {
  let tail = '';
  const file = logFile ? createWriteStream(logFile) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    file?.write(chunk);
    tail = (tail + chunk.toString()).slice(-2_000);
  });
  child.once('exit', () => file?.end());
  return () => tail;
}

export interface ServerHandle extends Stoppable {
  url: string;
  pid: number;
  /** The embedded redis-server's pid, when serve started one. */
  redisPid?: number;
  dataDir?: string;
}

export interface ServeOptions {
  dataDir: string;
  redisUrl?: string;
  ratio?: number;
  consumers?: number;
  consumerBatch?: number;
  /** Backlog cap (serve's --max-backlog); the bench raises it so a burst measures ingest, not the 503 guard. */
  maxBacklog?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  extraArgs?: string[];
}

export async function startServe(resources: Resources, options: ServeOptions): Promise<ServerHandle> {
  const args = [
    ...(options.nodeArgs ?? []),
    join(ROOT, 'bin/streamctl.js'), 'serve',
    '--port', '0', '--host', '127.0.0.1', '--data-dir', options.dataDir,
    '--log-level', 'warn', '--shutdown-timeout', '2s',
    ...(options.redisUrl ? ['--redis-url', options.redisUrl] : []),
    ...(options.ratio !== undefined ? ['--ratio', String(options.ratio)] : []),
    ...(options.consumers ? ['--consumers', String(options.consumers)] : []),
    ...(options.consumerBatch ? ['--consumer-batch', String(options.consumerBatch)] : []),
    ...(options.maxBacklog ? ['--max-backlog', String(options.maxBacklog)] : []),
    ...(options.extraArgs ?? []),
  ];
  const env = { ...process.env };
  delete env.REDIS_URL;
  delete env.DATABASE_URL;
  const child = spawnWithNofile(process.execPath, args, { env });
  resources.trackChild(child);
  const tail = captureStderr(child, join(options.dataDir, 'serve.stderr.log'));
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 30_000, tail);
  const runFile = join(options.dataDir, 'redis', 'streamctl-redis.json');
  const redisPid = !options.redisUrl && existsSync(runFile) ? (JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number }).pid : undefined;
  resources.trackPid(redisPid);
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  const handle: ServerHandle = {
    name: `serve ${match[1]}`,
    url: match[1]!,
    pid,
    dataDir: options.dataDir,
    ...(redisPid !== undefined ? { redisPid } : {}),
    stop() {
      stopping ??= (async () => {
        await terminate(pid, 15_000);
        // serve stops its embedded Redis; if it was killed, the orphan is ours to stop.
        await terminate(redisPid, 10_000);
        resources.remove(handle);
      })();
      return stopping;
    },
    killNow() {
      killPid(pid);
      killPid(redisPid);
    },
  };
  return resources.add(handle);
}

export async function startBare(resources: Resources, logDir: string): Promise<ServerHandle> {
  const child = spawnWithNofile(process.execPath, [join(ROOT, 'dist/bench/bare-server.js'), '--port', '0']);
  resources.trackChild(child);
  const tail = captureStderr(child, join(logDir, 'bare.stderr.log'));
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 10_000, tail);
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  const handle: ServerHandle = {
    name: 'bare node:http',
    url: match[1]!,
    pid,
    stop() {
      stopping ??= terminate(pid, 5_000).then(() => resources.remove(handle));
      return stopping;
    },
    killNow: () => killPid(pid),
  };
  return resources.add(handle);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(300, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export interface RedisHandle extends Stoppable {
  url: string;
  port: number;
  pid: number;
}

/** A redis-server owned by the harness, configured like serve's embedded one (AOF everysec). */
export async function startRedis(resources: Resources, dir: string): Promise<RedisHandle> {
  const port = await freePort();
  const child = spawnWithNofile('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', '--logfile', join(dir, 'redis.log'),
  ]);
  resources.trackChild(child);
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port} (see ${join(dir, 'redis.log')})`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const pid = child.pid!;
  let stopping: Promise<void> | undefined;
  const handle: RedisHandle = {
    name: `redis-server :${port}`,
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop() {
      stopping ??= terminate(pid, 10_000).then(() => resources.remove(handle));
      return stopping;
    },
    killNow: () => killPid(pid),
  };
  return resources.add(handle);
}
