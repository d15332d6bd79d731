import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDir } from '../../../src/runtime/data-dir-lock.js';
import { currentProcess, identityOf, isAlive, judgeLiveness } from '../../../src/runtime/process-identity.js';
import { StreamctlError } from '../../../src/shared/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-lockunit-'));
  dirs.push(dir);
  return dir;
}

/** The PID of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

function lockBody(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
}

function refusal(fn: () => unknown): StreamctlError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StreamctlError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}


describe('judgeLiveness (pure)', () => {
  it('is gone when no such process exists, or when the PID now belongs to a process that started at another time', () => {
    expect(judgeLiveness({ pid: 7 }, { exists: false })).toBe('gone');
    expect(judgeLiveness({ pid: 7, started: 'b:1' }, { exists: true, started: 'b:2' })).toBe('gone');
    expect(judgeLiveness({ pid: 7, started: 'b:1' }, { exists: true, started: 'b:1' })).toBe('alive');
    // Without a start time on either side (macOS, an old file) the PID alone decides.
    expect(judgeLiveness({ pid: 7 }, { exists: true, started: 'b:1' })).toBe('alive');
    expect(judgeLiveness({ pid: 7, started: 'b:1' }, { exists: true })).toBe('alive');
  });

  it('reads this process as alive and an exited one as gone', () => {
    expect(isAlive(currentProcess())).toBe(true);
    expect(isAlive({ pid: deadPid() })).toBe(false);
  });
});

describe('lockDataDir', () => {
  it('writes the holder, adds its URL once listening, and removes the file on release', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    expect(lockBody(dir)).toMatchObject({ pid: process.pid });
    lock.describe('http://127.0.0.1:5225');
    expect(lockBody(dir)).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:5225' });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lock.release(); // idempotent
  });

  it('refuses while the holder lives, with exit 2 and its PID and URL', () => {
    const dir = dataDir();
    const first = lockDataDir(dir);
    first.describe('http://127.0.0.1:6001');
    const error = refusal(() => lockDataDir(dir));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(`PID ${process.pid}`);
    expect(error.message).toContain('http://127.0.0.1:6001');
    expect(error.hint).toContain('--data-dir');
    first.release();
    lockDataDir(dir).release();
  });

  it('refuses a lock held by another live process (its parent here)', () => {
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...identityOf(process.ppid), host: 'h', since: '2026-01-01T00:00:00.000Z' }));
    const error = refusal(() => lockDataDir(dir));
    expect(error.message).toContain(`PID ${process.ppid}`);
    expect(error.message).toContain('still starting');
    expect(lockBody(dir)).toMatchObject({ pid: process.ppid });
  });

  it('takes over a lock left by a process that no longer exists (kill -9)', () => {
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'h', since: '2026-01-01T00:00:00.000Z', url: 'http://127.0.0.1:1' }));
    const lock = lockDataDir(dir);
    expect(lockBody(dir)).toMatchObject({ pid: process.pid });
    expect(lockBody(dir).url).toBeUndefined();
    lock.release();
  });

  it('takes over a lock whose PID now names another process (reused after a reboot or in a new container)', () => {
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, started: 'another-boot:12345', host: 'h', since: '2026-01-01T00:00:00.000Z' }));
    const lock = lockDataDir(dir);
    expect(lockBody(dir)).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over an unreadable lock file', () => {
    const dir = dataDir();
    writeFileSync(join(dir, LOCK_FILE), '');
    lockDataDir(dir).release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('never removes a lock that another holder took after this one', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    const other = JSON.stringify({ ...identityOf(process.ppid), host: 'h', since: '2026-01-01T00:00:00.000Z' });
    writeFileSync(join(dir, LOCK_FILE), other);
    lock.describe('http://127.0.0.1:1');
    lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(other);
  });
});
