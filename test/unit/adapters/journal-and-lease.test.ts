import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileJournal } from '../../../src/adapters/file-journal.js';
import { HttpJson } from '../../../src/adapters/http-json.js';
import { AutoLease } from '../../../src/adapters/lease-auto.js';
import { FileLease, sanitiseTarget } from '../../../src/adapters/lease-file.js';
import { UsageError } from '../../../src/shared/errors.js';
import { startFakeService } from '../../helpers/fake-service.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamctl-adapters-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('file journal', () => {
  it('appends JSON lines under <data-dir>/runs/<run-id>.jsonl and reads them back', async () => {
    const journal = new FileJournal(dir);
    await journal.append('run-a', { type: 'x', at: '1' });
    await journal.append('run-a', { type: 'y', at: '2' });
    expect(readFileSync(join(dir, 'runs/run-a.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(await journal.read('run-a')).toEqual([{ type: 'x', at: '1' }, { type: 'y', at: '2' }]);
    expect(await journal.read('nope')).toEqual([]);
  });

  it('skips a torn last line left by a crash mid-write', async () => {
    const journal = new FileJournal(dir);
    await journal.append('run-a', { type: 'x', at: '1' });
    appendFileSync(join(dir, 'runs/run-a.jsonl'), '{"type":"y","at');
    expect(await journal.read('run-a')).toEqual([{ type: 'x', at: '1' }]);
  });

  it('lists runs newest first and refuses ids that are paths', async () => {
    const journal = new FileJournal(dir);
    await journal.append('run-a', { type: 'x', at: '1' });
    await new Promise((r) => setTimeout(r, 20));
    await journal.append('run-b', { type: 'x', at: '1' });
    expect(await journal.list()).toEqual(['run-b', 'run-a']);
    expect(() => journal.pathOf('../etc/passwd')).toThrow(UsageError);
  });
});

describe('file lease', () => {
  const target = 'http://127.0.0.1:5225';
  const lease = (holder: string, extra: Partial<ConstructorParameters<typeof FileLease>[0]> = {}) =>
    new FileLease({ dataDir: dir, target, holder, ttlMs: 60_000, ...extra });

  it('is exclusive, names its holder, and is free again after release', async () => {
    const a = lease('a@h');
    const b = lease('b@h');
    expect(await a.acquire()).toMatchObject({ acquired: true, holder: 'a@h', kind: 'file' });
    expect(a.path).toBe(join(dir, 'locks', `${sanitiseTarget(target)}.lock`));
    expect(await b.acquire()).toMatchObject({ acquired: false, holder: 'a@h' });
    expect(await a.renew()).toMatchObject({ acquired: true });
    await a.release();
    expect(await b.acquire()).toMatchObject({ acquired: true, holder: 'b@h' });
  });

  it('takes over an expired lock, or one whose process on this host is gone', async () => {
    let now = 1_000_000;
    await lease('old@h', { now: () => now }).acquire();
    now += 61_000;
    expect(await lease('new@h', { now: () => now }).acquire()).toMatchObject({ acquired: true, holder: 'new@h' });

    writeFileSync(join(dir, 'locks', `${sanitiseTarget(target)}.lock`), JSON.stringify({ holder: 'dead@h', pid: 2 ** 22 + 7, host: 'thishost', expires_at: new Date(Date.now() + 60_000).toISOString() }));
    expect(await lease('c@h', { host: 'thishost' }).acquire()).toMatchObject({ acquired: true, holder: 'c@h' });
  });
});

describe('auto lease', () => {
  it('uses the target lease on streamctl serve and a lock file on the original service', async () => {
    const serve = await startFakeService();
    const original = await startFakeService({ original: true });
    const httpServe = new HttpJson({ target: serve.url });
    const httpOriginal = new HttpJson({ target: original.url });
    try {
      const a = new AutoLease({ http: httpServe, dataDir: dir, name: 'cutover', holder: 'a@h', ttlMs: 60_000 });
      expect(await a.acquire()).toMatchObject({ acquired: true, kind: 'http' });
      expect(serve.lease!.holder).toBe('a@h');
      const b = new AutoLease({ http: httpServe, dataDir: dir, name: 'cutover', holder: 'b@h', ttlMs: 60_000 });
      expect(await b.acquire()).toMatchObject({ acquired: false, holder: 'a@h' });
      await a.release();
      expect(serve.lease).toBeNull();

      const c = new AutoLease({ http: httpOriginal, dataDir: dir, name: 'cutover', holder: 'c@h', ttlMs: 60_000 });
      expect(await c.acquire()).toMatchObject({ acquired: true, kind: 'file' });
      const d = new AutoLease({ http: httpOriginal, dataDir: dir, name: 'cutover', holder: 'd@h', ttlMs: 60_000 });
      expect(await d.acquire()).toMatchObject({ acquired: false, holder: 'c@h' });
    } finally {
      await httpServe.close();
      await httpOriginal.close();
      await serve.stop();
      await original.stop();
    }
  });
});
