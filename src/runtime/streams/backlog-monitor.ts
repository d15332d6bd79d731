import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { deadLetterStream, type StreamDefinition } from '../wire-format.js';
import { accountLoss, removedByOthers, reportedLag, undeliveredPresent, type LossCheckpoint } from './loss-accounting.js';
import { lossAccountingKey, trimmedCounterKey } from './reply.js';
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
  /** Entries removed before streamctl's group read them (durable, loss-accounting.ts) plus deleted while pending (the consumers). */
  trimmed_unconsumed: number;
  unconsumed: number;
  /** Entries streamctl's trimmer removed, all acked by every group (durable counter). */
  trimmed_by_retention: number;
  /** Entries anything else removed (another writer's XTRIM/MAXLEN/XDEL), from facts. */
  removed_by_others: number;
  /** Of those, entries whose delivery could not be told (Redis restarted or XDEL before it was measured). */
  removed_unverified: number;
}

/** Uploads are refused with 503 once the unconsumed backlog reaches this share of the cap. */
export const BACKPRESSURE_AT = 0.9;
const EMPTY: StreamBacklog = {
  length: 0, first_entry_id: null, last_entry_id: null, groups: 0, lag: null, pending: 0,
  oldest_pending_ms: null, dead_letters: 0, trimmed_unconsumed: 0, unconsumed: 0, trimmed_by_retention: 0,
  removed_by_others: 0, removed_unverified: 0,
};

function toRecord(flat: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return record;
  for (let i = 0; i + 1 < flat.length; i += 2) record[String(flat[i])] = flat[i + 1];
  return record;
}

/** `run_id:<hex>` of an INFO server reply. */
function runIdOf(info: unknown): string | undefined {
  return /^run_id:(\w+)/m.exec(String(info ?? ''))?.[1];
}

function checkpointOf(hash: Record<string, string>): LossCheckpoint | undefined {
  if (hash.removed_by_others === undefined) return undefined;
  return {
    removedByOthers: Number(hash.removed_by_others),
    entriesAdded: Number(hash.entries_added ?? 0),
    maxDeletedId: hash.max_deleted ?? '0-0',
    runId: hash.run_id ?? '',
    phantom: hash.phantom === undefined || hash.phantom === '' ? null : Number(hash.phantom),
  };
}

/** XTRIM and the count of what streamctl trimmed, in one step: no crash between them can make its own trim look like another writer's. */
const TRIM_SCRIPT = `
local removed = redis.call('XTRIM', KEYS[1], 'MINID', '~', ARGV[1])
if removed > 0 then redis.call('HINCRBY', KEYS[2], 'own_trimmed', removed) end
return removed`;

/**
 * Stores an accounting only if no one (another instance, or a concurrent pass) stored one since
 * this pass read the checkpoint; adds the lost entries to the counter the consumers and the
 * consistency check share. 1: stored, 0: someone else did.
 */
const ACCOUNT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'removed_by_others')
if (current or '') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'removed_by_others', ARGV[2], 'entries_added', ARGV[3], 'max_deleted', ARGV[4], 'run_id', ARGV[5], 'phantom', ARGV[6])
if ARGV[9] == '1' then redis.call('HSET', KEYS[1], 'own_trimmed', 0) end
if tonumber(ARGV[7]) > 0 then redis.call('INCRBY', KEYS[2], ARGV[7]) end
if tonumber(ARGV[8]) > 0 then redis.call('HINCRBY', KEYS[1], 'unverified', ARGV[8]) end
return 1`;

/**
 * Watches one stream once a second: backlog for back-pressure and status, trimming that only
 * ever removes entries every group has acked (the spec's MAXLEN, applied safely), and entries lost
 * to anyone else's trimming, counted from facts that survive a Redis restart (loss-accounting.ts).
 */
export class BacklogMonitor {
  private latest: StreamBacklog = { ...EMPTY };
  private addedSinceCheck = 0;
  /** Per group: the phantom lag (see loss-accounting.ts) last measured, and in which Redis run; for the reported lag only. */
  private readonly phantoms = new Map<string, { runId: string; phantom: number }>();
  private running: Promise<StreamBacklog> | undefined;

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

  /** One pass; a call while one runs (the timer and a stats request) shares it, so snapshots never go back in time. */
  check(nowMs = Date.now()): Promise<StreamBacklog> {
    this.running ??= this.pass(nowMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(nowMs: number): Promise<StreamBacklog> {
    const { stream, group: ownGroup } = this.definition;
    const lossKey = lossAccountingKey(stream);
    // One MULTI: the counts compared below must describe the same instant.
    const replies = await this.redis.multi()
      .info('server')
      .xinfo('STREAM', stream)
      .xinfo('GROUPS', stream)
      .xlen(deadLetterStream(stream))
      .get(trimmedCounterKey(stream))
      .hgetall(lossKey)
      .exec();
    if (!replies) throw new Error('the MULTI reading the stream was discarded');
    // A missing stream fails its XINFO inside the MULTI: read as nothing there yet.
    const value = (i: number) => (replies[i]?.[0] ? undefined : replies[i]?.[1]);
    this.addedSinceCheck = 0;
    const runId = runIdOf(value(0)) ?? '';
    const info = toRecord(value(1));
    const groupsReply = (value(2) as unknown[] | undefined) ?? [];
    const deadLetters = Number(value(3) ?? 0);
    const lostCounter = Number(value(4) ?? 0);
    const rawHash = value(5);
    const lossHash = (Array.isArray(rawHash) ? toRecord(rawHash) : (rawHash ?? {})) as Record<string, string>;

    const length = Number(info.length ?? 0);
    const firstId = (info['first-entry'] as [string, unknown] | null | undefined)?.[0];
    const lastId = (info['last-entry'] as [string, unknown] | null | undefined)?.[0];
    const groups: GroupPosition[] = [];
    let ownPhantom: number | null = null;
    let oldestPendingMs: number | null = null;
    for (const raw of groupsReply) {
      const entry = toRecord(raw);
      const pending = Number(entry.pending ?? 0);
      const redisLag = entry.lag === null || entry.lag === undefined ? null : Number(entry.lag);
      const group: GroupPosition = { name: String(entry.name), lastDeliveredId: String(entry['last-delivered-id'] ?? '0-0'), pending, lag: redisLag };
      const undelivered = undeliveredPresent({ length, firstId, lastId }, group.lastDeliveredId);
      // Redis's lag less what is really there: entries trimmed before delivery, or a stale
      // entries-read after a restart. Measured whenever the ids settle the undelivered count.
      if (redisLag !== null && undelivered !== undefined) this.phantoms.set(group.name, { runId, phantom: redisLag - undelivered });
      const known = this.phantoms.get(group.name);
      const phantom = known && known.runId === runId ? known.phantom : null;
      if (group.name === ownGroup && redisLag !== null && undelivered !== undefined) ownPhantom = redisLag - undelivered;
      group.lag = reportedLag({ redisLag, undelivered, phantom, length });
      if (pending > 0) {
        const oldest = (await this.redis.xpending(stream, group.name, '-', '+', 1)) as Array<[string, string, number, number]>;
        if (oldest[0]) {
          group.oldestPendingId = oldest[0][0];
          oldestPendingMs = Math.max(oldestPendingMs ?? 0, Number(oldest[0][2]));
        }
      }
      groups.push(group);
    }

    let ownTrimmed = Number(lossHash.own_trimmed ?? 0);
    const observation = {
      runId, entriesAdded: Number(info['entries-added'] ?? NaN), length, trimmedByStreamctl: ownTrimmed,
      maxDeletedId: String(info['max-deleted-entry-id'] ?? '0-0'), phantom: ownPhantom,
    };
    let lost = lostCounter;
    let unverified = Number(lossHash.unverified ?? 0);
    // Redis 6 reports neither entries-added nor lag: no loss can be counted there, only the consumers' finds.
    const countable = value(1) !== undefined && Number.isFinite(observation.entriesAdded) && runId !== '';
    if (countable) {
      const checkpoint = checkpointOf(lossHash);
      const accounting = accountLoss(observation, checkpoint);
      if (accounting.checkpoint) {
        const stored = accounting.checkpoint;
        const applied = Number(await this.redis.eval(
          ACCOUNT_SCRIPT, 2, lossKey, trimmedCounterKey(stream),
          checkpoint ? String(checkpoint.removedByOthers) : '', stored.removedByOthers, stored.entriesAdded, stored.maxDeletedId, stored.runId,
          stored.phantom === null ? '' : stored.phantom, accounting.lost, accounting.unverified, accounting.recreated ? '1' : '0',
        ));
        if (applied === 1) {
          lost += accounting.lost;
          unverified += accounting.unverified;
          if (accounting.recreated) ownTrimmed = 0;
          if (accounting.lost > 0) this.logger.error('entries were trimmed from the stream before any consumer read them: these records are lost', { stream, lost: accounting.lost, lost_total: lost });
          if (accounting.unverified > 0) {
            this.logger.warn('entries were removed from the stream by another writer, and whether they had been read first cannot be told (Redis restarted, or an XDEL, since the last check): they may be lost', { stream, removed: accounting.unverified });
          }
          if (accounting.recreated) this.logger.warn('the stream was deleted and created again since the last check: whatever it held then is gone', { stream, entries_added: observation.entriesAdded, before: checkpoint?.entriesAdded });
        }
      }
    }

    const trimTo = planTrim({ length, firstId, lastId, groups, nowMs, retentionMs: this.definition.ttlDays * 86_400_000, maxLen: this.definition.maxLen });
    if (trimTo) {
      const removed = Number(await this.redis.eval(TRIM_SCRIPT, 2, stream, lossKey, trimTo));
      ownTrimmed += removed;
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
      trimmed_unconsumed: lost,
      unconsumed: unconsumedBacklog(length, groups),
      trimmed_by_retention: ownTrimmed,
      removed_by_others: countable ? removedByOthers(observation) : 0,
      removed_unverified: unverified,
    };
    return this.latest;
  }
}
