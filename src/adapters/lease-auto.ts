import type { Lease, LeaseState } from '../ports/lease.js';
import { FileLease } from './lease-file.js';
import { HttpLease, LeaseUnsupported } from './lease-http.js';
import type { HttpJson } from './http-json.js';

export interface AutoLeaseOptions {
  http: HttpJson;
  dataDir: string;
  name: string;
  holder: string;
  ttlMs: number;
}

/** The target's lease when it has one (streamctl serve), else a lock file; decided on first acquire. */
export class AutoLease implements Lease {
  private chosen: Lease | undefined;

  constructor(private readonly options: AutoLeaseOptions) {}

  get kind(): 'http' | 'file' | undefined {
    return this.chosen instanceof HttpLease ? 'http' : this.chosen instanceof FileLease ? 'file' : undefined;
  }

  async acquire(): Promise<LeaseState> {
    if (this.chosen) return this.chosen.acquire();
    const { http, dataDir, name, holder, ttlMs } = this.options;
    const httpLease = new HttpLease(http, { name, holder, ttlMs });
    try {
      const state = await httpLease.acquire();
      this.chosen = httpLease;
      return state;
    } catch (error) {
      if (!(error instanceof LeaseUnsupported)) throw error;
    }
    this.chosen = new FileLease({ dataDir, target: http.target, holder, ttlMs });
    return this.chosen.acquire();
  }

  renew(): Promise<LeaseState> {
    return this.chosen ? this.chosen.renew() : this.acquire();
  }

  async release(): Promise<void> {
    await this.chosen?.release();
  }
}
