import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { deadLetterStream, type StreamDefinition } from '../wire-format.js';
import { trimmedCounterKey } from './reply.js';
import { planTrim, unconsumedBacklog, type GroupPosition } from './trim-plan.js';

export interface StreamBacklog {
  length: number;
  first_entry_id: string | null;
  last_entry_id: string | null;
  groups: number;
  lag: number | null;
  pending: number;
  oldest_pending_ms: number | null;
  dead_letters: number;
  trimmed_unconsumed: number;
  unconsumed: number;
  trimmed_by_retention: number;
}

/** Uploads are refused with 503 once the unconsumed backlog reaches this share of the cap. */
export const BACKPRESSURE_AT = 0.9;
const EMPTY: StreamBacklog = {
  length: 0, first_entry_id: null, last_entry_id: null, groups: 0, lag: null, pending: 0,
  oldest_pending_ms: null, dead_letters: 0, trimmed_unconsumed: 0, unconsumed: 0, trimmed_by_retention: 0,
};

function toRecord(flat: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

/**
 * Watches one stream once a second: backlog for back-pressure and status, and trimming that only
 * ever removes entries every group has acked (the spec's MAXLEN, applied safely).
 */
export class BacklogMonitor {
  private latest: StreamBacklog = { ...EMPTY };
  private addedSinceCheck = 0;
  private trimmedByRetention = 0;

  constructor(
    private readonly redis: Redis,
    readonly definition: StreamDefinition,
    private readonly logger: Logger,
    private readonly cap = definition.maxLen,
  ) {}

  get snapshot(): StreamBacklog {
    return this.latest;
  }

  noteAdded(): void {
    this.addedSinceCheck++;
  }

  /** True when one more upload would push the unconsumed backlog past the cap's safe share. */
  get saturated(): boolean {
    return this.latest.unconsumed + this.addedSinceCheck >= this.cap * BACKPRESSURE_AT;
  }

  async check(nowMs = Date.now()): Promise<StreamBacklog> {
    const { stream } = this.definition;
    const [length, groupsReply, first, last, deadLetters, trimmed] = await Promise.all([
      this.redis.xlen(stream),
      this.redis.xinfo('GROUPS', stream).catch(() => []) as Promise<unknown[][]>,
      this.redis.xrange(stream, '-', '+', 'COUNT', 1),
      this.redis.xrevrange(stream, '+', '-', 'COUNT', 1),
      this.redis.xlen(deadLetterStream(stream)),
      this.redis.get(trimmedCounterKey(stream)),
    ]);
    this.addedSinceCheck = 0;
    const groups: GroupPosition[] = [];
    let oldestPendingMs: number | null = null;
    for (const raw of groupsReply) {
      const info = toRecord(raw);
      const pending = Number(info.pending ?? 0);
      const group: GroupPosition = {
        name: String(info.name),
        lastDeliveredId: String(info['last-delivered-id'] ?? '0-0'),
        pending,
        lag: info.lag === null || info.lag === undefined ? null : Number(info.lag),
      };
      if (pending > 0) {
        const oldest = (await this.redis.xpending(stream, group.name, '-', '+', 1)) as Array<[string, string, number, number]>;
        if (oldest[0]) {
          group.oldestPendingId = oldest[0][0];
          oldestPendingMs = Math.max(oldestPendingMs ?? 0, Number(oldest[0][2]));
        }
      }
      groups.push(group);
    }
    const firstId = first[0]?.[0];
    const lastId = last[0]?.[0];
    const trimTo = planTrim({ length, firstId, lastId, groups, nowMs, retentionMs: this.definition.ttlDays * 86_400_000, maxLen: this.definition.maxLen });
    if (trimTo) {
      const removed = Number(await this.redis.xtrim(stream, 'MINID', '~', trimTo));
      this.trimmedByRetention += removed;
      if (removed > 0) this.logger.debug('trimmed acked entries', { stream, removed, below: trimTo });
    }
    const lag = groups.length === 0 ? null : groups.some((g) => g.lag === null) ? null : Math.max(...groups.map((g) => g.lag ?? 0));
    this.latest = {
      length,
      first_entry_id: firstId ?? null,
      last_entry_id: lastId ?? null,
      groups: groups.length,
      lag,
      pending: groups.reduce((sum, g) => sum + g.pending, 0),
      oldest_pending_ms: oldestPendingMs,
      dead_letters: deadLetters,
      trimmed_unconsumed: Number(trimmed ?? 0),
      unconsumed: unconsumedBacklog(length, groups),
      trimmed_by_retention: this.trimmedByRetention,
    };
    return this.latest;
  }
}
