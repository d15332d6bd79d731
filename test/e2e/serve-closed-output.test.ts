import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/service.js';

// Not `streamctl-*`: the test set-up of a concurrent vitest run kills orphaned redis-servers there,
// which would hide a Redis left running by serve (afterAll stops it).
const dataDir = mkdtempSync(join(tmpdir(), 'sctl-epipe-'));
const started: ServeProcess[] = [];
let redisPid: number | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const serve of started) {
    if (serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
  }
  // The old code exited mid-drain and left its embedded Redis running.
  if (redisPid !== undefined && alive(redisPid)) process.kill(redisPid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function rowsOfW1(): number {
  const db = new Database(join(dataDir, 'streamctl.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM user_health_data WHERE device_sn = 'W1'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function waitForExit(serve: ServeProcess, ms: number): Promise<number | null> {
  return Promise.race([serve.exited, new Promise<null>((_, reject) => setTimeout(() => reject(new Error(`serve did not exit within ${ms} ms`)), ms))]);
}

const HEALTH = JSON.stringify({ data: { deviceSn: 'W1', heart_rate: 72, timestamp: 1764000000 } });

describe('serve whose output pipe is gone (`serve 2>&1 | tee serve.log`, then Ctrl-C)', () => {
  it('still drains on SIGTERM: all 100 acknowledged batch-path uploads are stored, and its Redis is stopped', async () => {
    const args = ['--port', String(await freePort()), '--data-dir', dataDir, '--ratio', '0', '--flush-interval', '1h', '--batch-size', '100000'];
    const serve = await spawnServe(args);
    started.push(serve);
    redisPid = (JSON.parse(readFileSync(join(dataDir, 'redis', 'streamctl-redis.json'), 'utf8')) as { pid: number }).pid;

    let accepted = 0;
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${serve.url}/upload_health_data`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: HEALTH });
      const body = (await response.json()) as { status?: string };
      if (response.status === 200 && body.status === 'success') accepted++;
    }
    expect(accepted).toBe(100);
    // They wait in the batch queue (1 h interval, 100000 per batch): nothing is stored yet.
    expect(rowsOfW1()).toBe(0);

    // tee is gone: close our ends of serve's stdout and stderr, so its next write gets EPIPE.
    serve.child.stdout!.destroy();
    serve.child.stderr!.destroy();
    // A SIGPIPE must not kill it either (Node ignores it; this makes sure nothing changed that).
    serve.child.kill('SIGPIPE');
    await new Promise((r) => setTimeout(r, 300));
    expect(serve.child.exitCode).toBeNull();
    expect((await fetch(`${serve.url}/api/stream_health`)).status).toBe(200);

    serve.child.kill('SIGTERM');
    const code = await waitForExit(serve, 60_000);
    expect(code).toBe(0);
    // Stopped by serve on its way out, not left behind.
    await eventually(() => !alive(redisPid!), { timeoutMs: 15_000 });

    // Flushed, or spilled and written at the next start: either way all 100 end up as rows.
    if (rowsOfW1() < 100) {
      const next = await spawnServe(args);
      started.push(next);
      await eventually(() => rowsOfW1() >= 100, { timeoutMs: 30_000 });
      next.child.kill('SIGTERM');
      await waitForExit(next, 60_000);
    }
    expect(rowsOfW1()).toBe(100);
  });
});
