import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The next lock writes fail with this code (a data dir remounted read-only, a full disk). */
const failWrites = vi.hoisted(() => ({ code: undefined as string | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    writeFile: (async (...args: Parameters<typeof actual.writeFile>) => {
      if (failWrites.code) throw Object.assign(new Error(`${failWrites.code}: cannot write`), { code: failWrites.code });
      return actual.writeFile(...args);
    }) as typeof actual.writeFile,
  };
});

const { FileLease } = await import('../../../src/adapters/lease-file.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamctl-lease-ro-'));
  failWrites.code = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('file lease on a data dir that stops taking writes', () => {
  it('a lock still ours stays ours (no one else can write one either), so the run keeps its rollback', async () => {
    const mine = new FileLease({ dataDir: dir, target: 'http://127.0.0.1:5225', holder: 'me@h', ttlMs: 60_000 });
    await mine.acquire();
    failWrites.code = 'EROFS';
    expect(await mine.renew()).toMatchObject({ acquired: true, renewed: true, holder: 'me@h' });
    failWrites.code = 'EIO';
    await expect(mine.renew()).rejects.toThrow('EIO');
  });
});
