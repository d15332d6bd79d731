import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpJson } from '../../../src/adapters/http-json.js';
import { HttpLease } from '../../../src/adapters/lease-http.js';
import { FileLease, sanitiseTarget } from '../../../src/adapters/lease-file.js';
import { systemClock } from '../../../src/adapters/system-clock.js';
import { startFakeService } from '../../helpers/fake-service.js';

let dir: string;
let child: ChildProcess | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamctl-lease-clocks-'));
});
afterEach(() => {
  if (child?.pid) process.kill(child.pid, 'SIGKILL');
  child = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const target = 'http://127.0.0.1:5225';
const lockPath = () => join(dir, 'locks', `${sanitiseTarget(target)}.lock`);
const lease = (holder: string) => new FileLease({ dataDir: dir, target, holder, ttlMs: 60_000 });

/** A lock as another cutover process wrote it, expiring `expiresInMs` from now by the wall clock. */
function lockBy(pid: number, host: string, expiresInMs: number): void {
  writeFileSync(lockPath(), JSON.stringify({ holder: 'other@h', pid, host, expires_at: new Date(Date.now() + expiresInMs).toISOString() }));
}

describe('file lease and the wall clock', () => {
  it('a live holder on this host keeps its lock past expires_at (a wall step forward between its write and our read)', async () => {
    await lease('me@h').acquire();
    await lease('me@h').release();
    child = spawn('sleep', ['30'], { stdio: 'ignore' });
    lockBy(child.pid!, hostname(), -120_000);
    expect(await lease('me@h').acquire()).toMatchObject({ acquired: false, holder: 'other@h' });
    // Ten minutes past expiry the pid belongs to some other program: free.
    lockBy(child.pid!, hostname(), -11 * 60_000);
    expect(await lease('me@h').acquire()).toMatchObject({ acquired: true, holder: 'me@h' });
  });

  it('a lock from another host expires by its time; one whose process is gone is free at once', async () => {
    await lease('me@h').acquire();
    await lease('me@h').release();
    lockBy(process.pid, 'another-host', -1_000);
    expect(await lease('me@h').acquire()).toMatchObject({ acquired: true });
    await lease('me@h').release();
    lockBy(2 ** 22 + 7, hostname(), 60_000);
    expect(await lease('me@h').acquire()).toMatchObject({ acquired: true });
  });

  it('renew says whether the lock was still ours or had to be taken afresh', async () => {
    const mine = lease('me@h');
    expect(await mine.acquire()).toMatchObject({ acquired: true, ttlMs: 60_000 });
    expect(await mine.renew()).toMatchObject({ acquired: true, renewed: true });
    unlinkSync(lockPath()); // lapsed and removed meanwhile: someone may have come and gone
    expect(await mine.renew()).toMatchObject({ acquired: true, renewed: false });
  });
});

describe('http lease', () => {
  it('reads the target\'s renewed flag', async () => {
    const service = await startFakeService();
    const http = new HttpJson({ target: service.url });
    try {
      const mine = new HttpLease(http, { name: 'cutover', holder: 'me@h', ttlMs: 60_000 });
      expect(await mine.acquire()).toMatchObject({ acquired: true, renewed: false, ttlMs: 60_000 });
      expect(await mine.renew()).toMatchObject({ acquired: true, renewed: true });
      service.lease!.expiresAt = Date.now() - 1;
      expect(await mine.renew()).toMatchObject({ acquired: true, renewed: false });
    } finally {
      await http.close();
      await service.stop();
    }
  });
});

describe('system clock', () => {
  it('every(): runs on a timer until aborted, never two at once', async () => {
    const stop = new AbortController();
    let runs = 0;
    let running = 0;
    let overlapped = false;
    systemClock.every(5, async () => {
      overlapped ||= running > 0;
      running++;
      await new Promise((r) => setTimeout(r, 15));
      running--;
      runs++;
    }, stop.signal);
    await new Promise((r) => setTimeout(r, 120));
    stop.abort();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(overlapped).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs - seen).toBeLessThanOrEqual(1); // at most the run in flight finishes
    expect(systemClock.monotonic()).toBeGreaterThan(0);
  });
});
