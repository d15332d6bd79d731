import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { deadLetterStream, type StreamDefinition } from '../wire-format.js';
import { trimmedCounterKey } from './reply.js';
import { compareIds, planTrim, unconsumedBacklog, type GroupPosition } from './trim-plan.js';

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
  /** Per group: entries Redis still counts as lag although they were trimmed before delivery. */
  private readonly phantomLag = new Map<string, number>();
  private reportedLost = 0;

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
    const [streamReply, groupsReply, deadLetters, trimmed] = await Promise.all([
      this.redis.xinfo('STREAM', stream).catch(() => undefined) as Promise<unknown[] | undefined>,
      this.redis.xinfo('GROUPS', stream).catch(() => []) as Promise<unknown[][]>,
      this.redis.xlen(deadLetterStream(stream)),
      this.redis.get(trimmedCounterKey(stream)),
    ]);
    this.addedSinceCheck = 0;
    const info = streamReply ? toRecord(streamReply) : {};
    const length = Number(info.length ?? 0);
    const lastGeneratedId = String(info['last-generated-id'] ?? '0-0');
    const firstId = (info['first-entry'] as [string, unknown] | null | undefined)?.[0];
    const lastId = (info['last-entry'] as [string, unknown] | null | undefined)?.[0];
    const groups: GroupPosition[] = [];
    let oldestPendingMs: number | null = null;
    let lostBeforeDelivery = 0;
    for (const raw of groupsReply) {
      const entry = toRecord(raw);
      const pending = Number(entry.pending ?? 0);
      const reportedLag = entry.lag === null || entry.lag === undefined ? null : Number(entry.lag);
      const group: GroupPosition = { name: String(entry.name), lastDeliveredId: String(entry['last-delivered-id'] ?? '0-0'), pending, lag: reportedLag };
      // Redis 7 keeps counting entries trimmed before delivery in `lag` (entries-added minus
      // entries-read). Once the group has read up to the newest id (or nothing is left to read),
      // whatever lag remains is exactly those lost entries; remembered, it is taken off the lag
      // while the group catches up again.
      if (reportedLag !== null) {
        const caughtUp = length === 0 || compareIds(group.lastDeliveredId, lastGeneratedId) >= 0;
        if (caughtUp) this.phantomLag.set(group.name, reportedLag);
        const phantom = this.phantomLag.get(group.name) ?? 0;
        lostBeforeDelivery = Math.max(lostBeforeDelivery, phantom);
        group.lag = Math.max(0, reportedLag - phantom);
      }
      if (pending > 0) {
        const oldest = (await this.redis.xpending(stream, group.name, '-', '+', 1)) as Array<[string, string, number, number]>;
        if (oldest[0]) {
          group.oldestPendingId = oldest[0][0];
          oldestPendingMs = Math.max(oldestPendingMs ?? 0, Number(oldest[0][2]));
        }
      }
      groups.push(group);
    }
    const trimTo = planTrim({ length, firstId, lastId, groups, nowMs, retentionMs: this.definition.ttlDays * 86_400_000, maxLen: this.definition.maxLen });
    if (trimTo) {
      const removed = Number(await this.redis.xtrim(stream, 'MINID', '~', trimTo));
      this.trimmedByRetention += removed;
      if (removed > 0) this.logger.debug('trimmed acked entries', { stream, removed, below: trimTo });
    }
    if (lostBeforeDelivery > this.reportedLost) {
      this.logger.error('entries were trimmed from the stream before any consumer read them: these records are lost', { stream, lost: lostBeforeDelivery });
      this.reportedLost = lostBeforeDelivery;
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
      trimmed_unconsumed: Number(trimmed ?? 0) + lostBeforeDelivery,
      unconsumed: unconsumedBacklog(length, groups),
      trimmed_by_retention: this.trimmedByRetention,
    };
    return this.latest;
  }
}
