import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/shared/free-port.js';
import { startTestRedis, type TestRedis } from './redis.js';

/** The original service rebuilt from its guide (`../shared/reference/original-service`), beside this repository. */
export const ORIGINAL_SERVICE_DIR = resolve(new URL('../..', import.meta.url).pathname, '../shared/reference/original-service');
/** Debian's python3, which has python3-flask, python3-redis and python3-requests (bootstrap installs them). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface OriginalService {
  readonly url: string;
  readonly redis: TestRedis;
  /** The original's SQLite file (its `--db`). */
  readonly databasePath: string;
  /** A scratch directory for the run (the scripts' cwd: they leave result files there). */
  readonly dir: string;
  /** What the process printed so far (stdout and stderr), for a failing test's message. */
  output(): string;
  cleanup(): Promise<void>;
}

export interface OriginalServiceOptions {
  ratio?: number;
  /** The "verify" sleep inside /api/emergency_rollback; the original's is 5 s. */
  rollbackSleepSeconds?: number;
  /** An existing SQLite file to use instead of a fresh one. */
  databasePath?: string;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the original service exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/api/stream_health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the original service did not answer /api/stream_health within ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts the original Flask service on a free loopback port with a real redis-server of its own
 * and a SQLite file in a temporary directory; `cleanup()` stops both and removes the directory.
 */
export async function startOriginalService(options: OriginalServiceOptions = {}): Promise<OriginalService> {
  if (!existsSync(join(ORIGINAL_SERVICE_DIR, 'app.py'))) throw new Error(`the original service is not at ${ORIGINAL_SERVICE_DIR}`);
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-original-'));
  const redis = await startTestRedis();
  const port = await freePort();
  const databasePath = options.databasePath ?? join(dir, 'health.db');
  let output = '';
  const child = spawn(SYSTEM_PYTHON, [join(ORIGINAL_SERVICE_DIR, 'app.py'), '--port', String(port), '--redis-port', String(redis.port), '--db', databasePath, '--log-level', 'WARNING', '--ratio', String(options.ratio ?? 0.1)], {
    cwd: dir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ROLLBACK_SLEEP_SECONDS: String(options.rollbackSleepSeconds ?? 0), OPTIMIZER_BATCH_TIMEOUT_S: '0.5' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitForHealth(url, child, () => output, 30_000);
  } catch (error) {
    await stop();
    await redis.cleanup();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    redis,
    databasePath,
    dir,
    output: () => output,
    async cleanup() {
      await stop();
      await redis.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
