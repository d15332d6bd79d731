import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Lease, LeaseState } from '../ports/lease.js';

interface LockBody {
  holder: string;
  pid: number;
  host: string;
  expires_at: string;
}

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
    return { acquired, holder: body.holder, expiresAt: body.expires_at, kind: 'file' };
  }

  async acquire(): Promise<LeaseState> {
    await mkdir(join(this.options.dataDir, 'locks'), { recursive: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      const mine = this.body();
      try {
        // `wx`: create only if absent, so two starters cannot both win.
        const handle = await open(this.path, 'wx');
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
    return this.write(this.body());
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
    await writeFile(tmp, JSON.stringify(body));
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

  private stale(lock: LockBody): boolean {
    if (Date.parse(lock.expires_at) <= this.now()) return true;
    const host = this.options.host ?? hostname();
    return lock.host === host && lock.pid !== (this.options.pid ?? process.pid) && !alive(lock.pid);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
