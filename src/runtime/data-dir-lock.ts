import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { StreamctlError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-code.js';
import { currentProcess, isAlive, type ProcessIdentity } from './process-identity.js';

/**
 * `<data-dir>/serve.lock`: one `streamctl serve` per data dir. Two instances on one data dir
 * share its embedded Redis, its SQLite file and its spill directory; the second one used to
 * adopt the first one's Redis, fail on EADDRINUSE and stop that Redis on its way out.
 *
 * Shape (JSON): { pid, started?, host, since: ISO time, url?: the HTTP URL once listening }
 * (no Redis URL: it may carry a password). The lock dies with its process: a file left by a
 * process that no longer runs (kill -9, a crash, a reboot, a reused PID) is stale and taken over.
 */
export interface LockHolder extends ProcessIdentity {
  host: string;
  since: string;
  url?: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Adds the HTTP URL this holder listens on to the lock file, for the refusal others print. */
  describe(url: string): void;
  /** Removes the lock file if it is still this process's; idempotent. */
  release(): void;
}

export const LOCK_FILE = 'serve.lock';

/** Bounded: each round either takes the lock, meets a live holder, or removes a stale file. */
const ATTEMPTS = 3;

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' ? (value as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The refusal a second instance prints: who holds the data dir, and how to get past it. */
export function heldError(dataDir: string, holder: LockHolder): StreamctlError {
  const where = holder.url ? `listening on ${holder.url}` : 'still starting';
  const host = holder.host && holder.host !== hostname() ? ` on host ${holder.host}` : '';
  return new StreamctlError(
    `the data dir ${dataDir} is in use by streamctl serve PID ${holder.pid}${host}, ${where} (since ${holder.since})`,
    // Not 64: the flags are right and work once that instance stops (exit 64 is for flags that are wrong whatever the state of the world).
    ExitCode.CouldNotRun,
    `stop it first (kill -TERM ${holder.pid}), or give this instance another --data-dir`,
  );
}

/**
 * Moves a stale lock aside and deletes it. Two starters may find the same stale file; if this
 * one moved a fresh lock that a faster starter had just created, it puts that lock back.
 */
function removeStale(path: string, staleText: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another starter removed it
    throw error;
  }
  try {
    if (readText(aside) !== staleText) linkSync(aside, path);
  } catch {
    // EEXIST: yet another starter locked meanwhile; the next round reads whoever holds it.
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Takes the data dir for this process or throws a StreamctlError (exit 2) naming the live holder.
 * The lock file appears complete or not at all (written aside, then hard-linked into place, which
 * fails with EEXIST when it exists), so two instances starting at once cannot both take it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me: LockHolder = { ...currentProcess(), host: hostname(), since: new Date().toISOString() };
  const scratch = `${path}.${process.pid}.tmp`;

  const write = (body: LockHolder) => {
    writeFileSync(scratch, JSON.stringify(body));
  };
  const mine = () => {
    const current = parseHolder(readText(path) ?? '');
    return current !== undefined && current.pid === me.pid && current.started === me.started && current.since === me.since;
  };

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    write(me);
    try {
      linkSync(scratch, path);
      rmSync(scratch, { force: true });
      let released = false;
      return {
        path,
        describe(url) {
          if (released || !mine()) return;
          write({ ...me, url });
          // rename, not rewrite: a reader never sees half a file.
          renameSync(scratch, path);
        },
        release() {
          if (released) return;
          released = true;
          if (mine()) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      rmSync(scratch, { force: true });
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const text = readText(path);
    if (text === undefined) continue; // released between our link and our read
    const current = parseHolder(text);
    // An unreadable lock was not written by this code (it writes whole files): stale.
    if (current && isAlive(current)) throw heldError(dataDir, current);
    removeStale(path, text);
  }
  throw new StreamctlError(`could not lock the data dir ${dataDir}: other instances keep starting on it`, ExitCode.CouldNotRun, 'start one instance per --data-dir');
}
