import type { Lease, LeaseState } from '../ports/lease.js';
import { AdminApiError, bodyError } from './admin-api-errors.js';
import type { HttpJson } from './http-json.js';

/** Thrown by acquire() when the target has no lease endpoint (404): not streamctl serve. */
export class LeaseUnsupported extends Error {}

export interface LeaseOptions {
  name: string;
  holder: string;
  ttlMs: number;
}

interface LeaseBody {
  acquired?: boolean;
  holder?: string;
  expires_at?: string;
  /** streamctl serve: the lease was still this holder's (a renewal), or taken afresh. */
  renewed?: boolean;
}

/** The lease held in the target's Redis (streamctl serve: `POST/DELETE /api/lease`). */
export class HttpLease implements Lease {
  constructor(private readonly http: HttpJson, private readonly options: LeaseOptions) {}

  async acquire(): Promise<LeaseState> {
    const { name, holder, ttlMs } = this.options;
    const reply = await this.http.call('POST', '/api/lease', { name, holder, ttl_ms: ttlMs });
    if (reply.status === 404) throw new LeaseUnsupported('no /api/lease on this target');
    if (reply.status !== 200 && reply.status !== 409) {
      throw new AdminApiError(`POST /api/lease answered ${reply.status}: ${bodyError(reply.body)}`, reply.status, reply.body);
    }
    const body = (reply.body ?? {}) as LeaseBody;
    return {
      acquired: reply.status === 200 && body.acquired !== false,
      holder: body.holder ?? (reply.status === 200 ? holder : 'unknown'),
      expiresAt: body.expires_at ?? '',
      ttlMs,
      ...(typeof body.renewed === 'boolean' ? { renewed: body.renewed } : {}),
      kind: 'http',
    };
  }

  renew(): Promise<LeaseState> {
    // The same holder posting again renews (serve contract).
    return this.acquire();
  }

  async release(): Promise<void> {
    const { name, holder } = this.options;
    try {
      await this.http.call('DELETE', `/api/lease?name=${encodeURIComponent(name)}&holder=${encodeURIComponent(holder)}`);
    } catch {
      // The TTL (60 s) frees it anyway; release never throws.
    }
  }
}
