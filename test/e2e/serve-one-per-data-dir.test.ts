import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { runCli, spawnServe, type ServeProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/service.js';

const dirs: string[] = [];
const running: ServeProcess[] = [];
const redisPids: number[] = [];

function newDataDir(): string {
  // Not `streamctl-*`: the test set-up of any vitest run kills orphaned redis-servers there, and
  // the orphan a kill -9 leaves must live until the restart adopts it (afterAll stops it).
  const dir = mkdtempSync(join(tmpdir(), 'sctl-lock-'));
  dirs.push(dir);
  return dir;
}

function redisPidOf(dataDir: string): number {
  const pid = (JSON.parse(readFileSync(join(dataDir, 'redis', 'streamctl-redis.json'), 'utf8')) as { pid: number }).pid;
  redisPids.push(pid);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function upload(url: string, i: number): Promise<number> {
  const response = await fetch(`${url}/upload_health_data_v2`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { deviceSn: `LOCK_${i}`, heart_rate: 72 } }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function stop(serve: ServeProcess): Promise<number | null> {
  if (serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGTERM');
  return Promise.race([serve.exited, new Promise<null>((_, reject) => setTimeout(() => reject(new Error(`serve did not stop:\n${serve.output()}`)), 45_000))]);
}

afterEach(async () => {
  for (const serve of running.splice(0)) await stop(serve).catch(() => serve.child.kill('SIGKILL'));
});

afterAll(() => {
  // A SIGKILLed serve leaves its Redis running; the old code also left one behind on failure.
  for (const pid of redisPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('one streamctl serve per data dir', () => {
  it('a second serve on the same data dir refuses at once (exit 2, naming the PID and URL) and the first stays healthy', async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const first = await spawnServe(['--port', String(port), '--data-dir', dataDir, '--log-level', 'warn']);
    running.push(first);
    const redisPid = redisPidOf(dataDir);
    expect(await upload(first.url, 1)).toBe(200);

    // As a second `npm start` would: the same flags, so the same port too.
    const second = await runCli(['serve', '--port', String(port), '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toContain(`PID ${first.child.pid}`);
    expect(second.stderr).toContain(first.url);
    expect(second.stderr).not.toContain('reusing the embedded redis-server');
    // Another port does not get past it either: the data dir is what is shared.
    const third = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(third.code, third.stderr).toBe(2);
    expect(third.stderr).toContain(`PID ${first.child.pid}`);

    expect(alive(redisPid)).toBe(true);
    const health = await fetch(`${first.url}/api/stream_health`);
    const report = (await health.json()) as { status: string; problems: string[] };
    expect(report.status, report.problems.join('; ')).toBe('healthy');
    for (let i = 2; i <= 5; i++) expect(await upload(first.url, i)).toBe(200);
    expect(first.child.exitCode).toBeNull();

    running.splice(running.indexOf(first), 1);
    expect(await stop(first), first.output()).toBe(0);
    expect(existsSync(join(dataDir, 'serve.lock'))).toBe(false);
  });

  it('a serve killed with -9 does not block a restart on its data dir; the restart adopts its Redis and stops it', async () => {
    const dataDir = newDataDir();
    const args = ['--port', String(await freePort()), '--data-dir', dataDir, '--log-level', 'info'];
    const first = await spawnServe(args);
    const orphanRedis = redisPidOf(dataDir);
    first.child.kill('SIGKILL');
    await first.exited;
    // The lock file stays behind, naming a process that no longer exists.
    expect(existsSync(join(dataDir, 'serve.lock'))).toBe(true);

    const restarted = await spawnServe(args);
    running.push(restarted);
    expect(restarted.output()).toContain('reusing the embedded redis-server');
    expect(redisPidOf(dataDir)).toBe(orphanRedis);
    expect(await upload(restarted.url, 1)).toBe(200);

    running.splice(running.indexOf(restarted), 1);
    expect(await stop(restarted), restarted.output()).toBe(0);
    // Adopted, so this run's to stop.
    await eventually(() => !alive(orphanRedis), { timeoutMs: 15_000 });
    expect(existsSync(join(dataDir, 'serve.lock'))).toBe(false);
  });
});
