import type { Redis } from 'ioredis';

export interface LeaseState {
  held: boolean;
  name: string;
  holder?: string;
  expires_at?: string;
}

const KEY = (name: string) => `streamctl:lease:${name}`;

// Take or renew in one step: free, expired (gone) or already ours. The fourth value says whether
// it was still ours (a renewal, 1) or taken afresh (0): a holder whose lease lapsed unnoticed (a
// suspended machine, a stalled process) learns that another controller may have acted meanwhile.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1], redis.call('PTTL', KEYS[1]), current == ARGV[1] and 1 or 0}
end
return {0, current, redis.call('PTTL', KEYS[1]), 0}`;

const RELEASE = `
local current = redis.call('GET', KEYS[1])
if current == false then return {1, ''} end
if current == ARGV[1] then redis.call('DEL', KEYS[1]) return {1, ARGV[1]} end
return {0, current}`;

function expiry(ttlMs: number): string {
  return new Date(Date.now() + Math.max(0, ttlMs)).toISOString();
}

/** One cutover per target: a lease in the shared Redis, so two SREs cannot double-step (flagger #1613). */
export class LeaseStore {
  constructor(private readonly redis: Redis) {}

  /** `renewed`: the lease was already this holder's (not expired) when the request arrived. */
  async acquire(name: string, holder: string, ttlMs: number): Promise<{ acquired: boolean; holder: string; expires_at: string; renewed: boolean }> {
    const [ok, current, pttl, renewed] = (await this.redis.eval(ACQUIRE, 1, KEY(name), holder, String(ttlMs))) as [number, string, number, number];
    return { acquired: ok === 1, holder: current, expires_at: expiry(pttl), renewed: renewed === 1 };
  }

  async release(name: string, holder: string): Promise<{ released: boolean; holder?: string }> {
    const [ok, current] = (await this.redis.eval(RELEASE, 1, KEY(name), holder)) as [number, string];
    return ok === 1 ? { released: true } : { released: false, holder: current };
  }

  async get(name: string): Promise<LeaseState> {
    const [holder, pttl] = await Promise.all([this.redis.get(KEY(name)), this.redis.pttl(KEY(name))]);
    return holder === null ? { held: false, name } : { held: true, name, holder, expires_at: expiry(pttl) };
  }
}
