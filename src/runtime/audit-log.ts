import type { Redis } from 'ioredis';

export const AUDIT_STREAM = 'streamctl:audit';
/** Ten thousand changes is years of cutovers; older audit lines may go. */
const AUDIT_MAX_LEN = 10_000;

export interface AuditEntry {
  time: string;
  action: string;
  old: number | null;
  new: number | null;
  reason: string;
  who: string;
  from: string;
}

/** Every ratio change and rollback, with who asked, from where, and why. */
export class AuditLog {
  constructor(private readonly redis: Redis) {}

  async record(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    await this.redis.xadd(
      AUDIT_STREAM, 'MAXLEN', '~', AUDIT_MAX_LEN, '*',
      'time', new Date().toISOString(),
      'action', entry.action,
      'old', entry.old === null ? '' : String(entry.old),
      'new', entry.new === null ? '' : String(entry.new),
      'reason', entry.reason.slice(0, 500),
      'who', entry.who.slice(0, 200),
      'from', entry.from,
    );
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    const entries = (await this.redis.xrevrange(AUDIT_STREAM, '+', '-', 'COUNT', limit)) as Array<[string, string[]]>;
    return entries.map(([, fields]) => {
      const map: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
      const num = (text: string | undefined) => (text === undefined || text === '' ? null : Number(text));
      return { time: map.time ?? '', action: map.action ?? '', old: num(map.old), new: num(map.new), reason: map.reason ?? '', who: map.who ?? '', from: map.from ?? '' };
    });
  }
}
