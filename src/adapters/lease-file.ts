import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Lease, LeaseState } from '../ports/lease.js';
import { processExists } from '../shared/process-exists.js';

interface LockBody {
  holder: string;
  pid: number;
  host: string;
  expires_at: string;
}

/**
 * 10 minutes: a live holder rewrites its lock every 20 s, and NTP steps are seconds to a couple of
 * minutes; a lock this far past its expiry whose pid still runs belongs to a program that reused the pid.
 */
const PID_REUSE_AFTER_MS = 10 * 60_000;

export interface FileLeaseOptions {
  dataDir: string;
  target: string;
  holder: string;
  ttlMs: number;
  now?: () => number;
  pid?: number;
  host?: string;
}

/** `http://127.0.0.1:5225` -> `http_127.0.0.1_5225`: a file name that says which target it locks. */
export function sanitiseTarget(target: string): string {
  return target.replace(/^[a-z]+:\/\//i, (m) => m.slice(0, -3) + '_').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120);
}

/**
 * For targets without a lease endpoint: a lock file `<data-dir>/locks/<target>.lock` with holder,
 * pid, host and expiry. A lock is free when it expired, or when its process on this host is gone.
 * Only protects runs sharing this data dir: say so in the docs.
 */
export class FileLease implements Lease {
  readonly path: string;
  private readonly now: () => number;

  constructor(private readonly options: FileLeaseOptions) {
    this.path = join(options.dataDir, 'locks', `${sanitiseTarget(options.target)}.lock`);
    this.now = options.now ?? Date.now;
  }

  private body(): LockBody {
    return {
      holder: this.options.holder, pid: this.options.pid ?? process.pid, host: this.options.host ?? hostname(),
      expires_at: new Date(this.now() + this.options.ttlMs).toISOString(),
    };
  }

  private state(body: LockBody, acquired: boolean): LeaseState {
    return { acquired, holder: body.holder, expiresAt: body.expires_at, ttlMs: this.options.ttlMs, kind: 'file' };
  }

  async acquire(): Promise<LeaseState> {
    // 0700/0600 as the journal: the lock names the holder, its host and pid.
    await mkdir(join(this.options.dataDir, 'locks'), { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 3; attempt++) {
      const mine = this.body();
      try {
        // `wx`: create only if absent, so two starters cannot both win.
        const handle = await open(this.path, 'wx', 0o600);
        await handle.writeFile(JSON.stringify(mine));
        await handle.close();
        return this.state(mine, true);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = await this.readLock();
      if (current && current.holder === mine.holder) return this.write(mine);
      if (current && !this.stale(current)) return this.state(current, false);
      await unlink(this.path).catch(() => undefined); // stale or torn: remove and try again
    }
    const current = await this.readLock();
    return current ? this.state(current, false) : this.state(this.body(), false);
  }

  async renew(): Promise<LeaseState> {
    const current = await this.readLock();
    if (current && current.holder !== this.options.holder && !this.stale(current)) return this.state(current, false);
    // Still our lock: nobody took it meanwhile (a taker replaces the file). Gone or another's
    // stale lock: it lapsed, and another run may have come and gone.
    const ours = current?.holder === this.options.holder;
    try {
      return { ...(await this.write(this.body())), renewed: ours };
    } catch (error) {
      // A data dir that stopped taking writes (remounted read-only, full) stops every other
      // starter as well: a lock still ours on disk stays ours, so a disk fault cannot cost the
      // run its lease and with it its rollback (issue 18). Assumes every host sees the same disk.
      const code = (error as NodeJS.ErrnoException).code;
      if (ours && (code === 'EROFS' || code === 'ENOSPC')) return { ...this.state(current!, true), renewed: true };
      throw error;
    }
  }

  async release(): Promise<void> {
    try {
      const current = await this.readLock();
      if (current?.holder === this.options.holder) await unlink(this.path);
    } catch {
      // never throws
    }
  }

  private async write(body: LockBody): Promise<LeaseState> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
    await rename(tmp, this.path);
    return this.state(body, true);
  }

  private async readLock(): Promise<LockBody | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as LockBody;
    } catch {
      return null;
    }
  }

  /**
   * On this host the holder's process decides, not the wall clock: a lock whose process is gone is
   * free at once, and one whose process lives is held even past its `expires_at`, because an NTP
   * step between the holder's write and this read would otherwise hand a live run's target to a
   * second one (the holder times its own lease on a monotonic clock and stops by itself when it
   * lapses). Past `PID_REUSE_AFTER_MS` beyond expiry the pid is taken to be reused by another
   * program. From another host (a shared data dir) no process can be checked: the expiry decides,
   * assuming the hosts' clocks agree.
   */
  private stale(lock: LockBody): boolean {
    const expiredForMs = this.now() - Date.parse(lock.expires_at);
    if (!Number.isFinite(expiredForMs)) return true; // torn or hand-edited lock
    const host = this.options.host ?? hostname();
    if (lock.host !== host) return expiredForMs >= 0;
    if (lock.pid === (this.options.pid ?? process.pid)) return expiredForMs >= 0;
    return !processExists(lock.pid) || expiredForMs > PID_REUSE_AFTER_MS;
  }
}

