/**
 * How many stream entries were lost (removed before streamctl's group read them), decided only from
 * facts that survive a Redis restart. Pure; the monitor (backlog-monitor.ts) reads the facts in one
 * MULTI and stores the result in Redis, next to the stream, with a compare-and-set.
 *
 * Why not Redis's `lag` alone. XINFO GROUPS `lag` is entries-added minus the group's entries-read
 * (Redis docs, XINFO GROUPS; "Consumer group lag" in the streams introduction). Redis 7.0 writes an
 * XREADGROUP to the AOF as `XCLAIM ... LASTID id`, which moves the group's last-delivered-id on
 * reload but not its entries-read: after a clean restart of a group that read and acked all of 3
 * entries, Redis reports `entries-read 0, lag 3` (seen with redis 7.0.15). Read as "caught up, yet
 * 3 left", that was 3 lost records, logged at ERROR and reported for ever.
 *
 * Facts used instead, all read in one MULTI:
 * - entries-added and length (XINFO STREAM): entries-added - length is every entry ever removed.
 *   Both are rebuilt exactly on reload (the AOF replays each XADD and XTRIM; RDB and AOF rewrites
 *   store entries-added).
 * - entries streamctl's own trimmer removed: a counter its script increments in the same step as
 *   its XTRIM. That trimmer only cuts below what every group has acked (trim-plan.ts), so its
 *   removals never lose anything.
 * - removed by others = entries-added - length - own trims. Only these can have lost an entry
 *   (another writer's XTRIM or XADD MAXLEN, an XDEL).
 * - max-deleted-entry-id (XINFO STREAM): moves on XDEL only, not on XTRIM.
 * - the Redis run (INFO server run_id): Redis's entries-read is exact within one run.
 *
 * Within one run, an entry removed before delivery stays counted in `lag` (entries-read never
 * passes it), while every other change moves lag and the undelivered entries together. So the
 * growth of the "phantom" (lag minus the entries present and undelivered) between two accountings
 * in the same run is the number lost, and it cannot exceed the removals by others between them.
 *
 * The rule, per accounting (the checkpoint is the previous one, stored in Redis):
 * 1. No new removal by others since the checkpoint: nothing new is lost, whatever lag says (the
 *    phantom is re-measured; this is where a restart's stale entries-read is absorbed).
 * 2. New removals, the phantom measured now and at the checkpoint in the same Redis run with no
 *    XDEL between: lost = phantom growth, at least 0, at most the new removals; the rest had been
 *    delivered (delivered-but-unacked ones are counted by the consumer, which finds them deleted).
 * 3. New removals but no usable baseline (Redis restarted or an XDEL came between, or accounting
 *    starts on a stream already trimmed by others or by an older streamctl): it cannot be told;
 *    they are `unverified`, never lost and never fine.
 * 4. New removals and a baseline, but the phantom cannot be measured now: decided at a later pass.
 * 5. entries-added below the checkpoint's, or fewer entries ever removed than own trims: the
 *    stream was deleted and created again; accounting starts over (own trims from zero).
 */

import { compareIds } from './trim-plan.js';

/** The previous accounting, as stored in Redis. */
export interface LossCheckpoint {
  /** Entries others had removed, all accounted for (as lost, delivered, or unverified). */
  removedByOthers: number;
  /** XINFO STREAM entries-added at that time: only grows while the stream key lives. */
  entriesAdded: number;
  /** XINFO STREAM max-deleted-entry-id at that time (`0-0`: never an XDEL). */
  maxDeletedId: string;
  /** INFO server run_id of the Redis that measured `phantom`. */
  runId: string;
  /** lag minus present undelivered entries of streamctl's group then; null: not measured in that run. */
  phantom: number | null;
}

/** One reading of the facts, taken atomically. */
export interface LossObservation {
  runId: string;
  entriesAdded: number;
  length: number;
  /** Entries streamctl's trimmer removed (durable counter, incremented with its XTRIM). */
  trimmedByStreamctl: number;
  maxDeletedId: string;
  /** streamctl's group: Redis lag minus present undelivered entries; null when either is unknown now. */
  phantom: number | null;
}

export interface LossAccounting {
  /** Entries newly found lost before delivery. */
  lost: number;
  /** Entries newly removed by others whose delivery cannot be told. */
  unverified: number;
  /** The stream was deleted and created again since the checkpoint (rule 5). */
  recreated: boolean;
  /** What to store, when it differs from the checkpoint; undefined: nothing to write. */
  checkpoint?: LossCheckpoint;
}

/** Entries removed from the stream by anything but streamctl's trimmer (never negative). */
export function removedByOthers(observation: Pick<LossObservation, 'entriesAdded' | 'length' | 'trimmedByStreamctl'>): number {
  return Math.max(0, observation.entriesAdded - observation.length - observation.trimmedByStreamctl);
}

/**
 * Entries present in the stream and not yet delivered to a group whose last-delivered-id is
 * `lastDeliveredId`, when the ids alone settle it: none when the stream is empty or the group has
 * read up to its last entry, all of them when the group is behind its first entry. Undefined in
 * between (counting would mean reading the entries).
 */
export function undeliveredPresent(stream: { length: number; firstId?: string; lastId?: string }, lastDeliveredId: string): number | undefined {
  if (stream.length === 0) return 0;
  if (stream.lastId && compareIds(lastDeliveredId, stream.lastId) >= 0) return 0;
  if (stream.firstId && compareIds(lastDeliveredId, stream.firstId) < 0) return stream.length;
  return undefined;
}

/**
 * The lag to report: the undelivered count when the ids settle it, else Redis's lag less the
 * phantom measured in this run, else Redis's lag; never more than the entries present (an entry
 * gone is no backlog). Null only when Redis cannot tell and the ids do not settle it.
 */
export function reportedLag(input: { redisLag: number | null; undelivered: number | undefined; phantom: number | null; length: number }): number | null {
  if (input.undelivered !== undefined) return input.undelivered;
  if (input.redisLag === null) return null;
  return Math.min(input.length, Math.max(0, input.redisLag - (input.phantom ?? 0)));
}

/** entries-added alone is no reason to write: it grows with every upload, and only rule 5 reads it. */
function same(a: LossCheckpoint | undefined, b: LossCheckpoint): boolean {
  return a !== undefined && a.removedByOthers === b.removedByOthers && a.maxDeletedId === b.maxDeletedId && a.runId === b.runId && a.phantom === b.phantom;
}

/** The rule above. `checkpoint` undefined: accounting starts now. */
export function accountLoss(observation: LossObservation, checkpoint: LossCheckpoint | undefined): LossAccounting {
  const removed = removedByOthers(observation);
  const next = (phantom: number | null, removedByOthersNow = removed): LossCheckpoint => ({
    removedByOthers: removedByOthersNow, entriesAdded: observation.entriesAdded, maxDeletedId: observation.maxDeletedId, runId: observation.runId, phantom,
  });
  const write = (lost: number, unverified: number, stored: LossCheckpoint, recreated = false): LossAccounting => ({
    // A recreation is always written: its script also resets the own-trim counter.
    lost, unverified, recreated, ...(same(checkpoint, stored) && !recreated ? {} : { checkpoint: stored }),
  });

  // Rule 5: a stream key's entries-added only grows, and its removals include every own trim;
  // either broken means another key of the same name (the counters outlived the old one).
  const recreated = (checkpoint !== undefined && observation.entriesAdded < checkpoint.entriesAdded)
    || observation.entriesAdded - observation.length < observation.trimmedByStreamctl;
  if (recreated) {
    return write(0, 0, next(observation.phantom, Math.max(0, observation.entriesAdded - observation.length)), true);
  }
  const sameRun = checkpoint !== undefined && checkpoint.runId === observation.runId && checkpoint.maxDeletedId === observation.maxDeletedId;
  const baseline = sameRun ? checkpoint.phantom : null;
  const fresh = removed - (checkpoint?.removedByOthers ?? 0);

  // Rule 1: nothing removed by others; keep (or take) the baseline.
  if (fresh <= 0) return write(0, 0, next(observation.phantom ?? baseline));
  // Rule 3: removals that no baseline can classify.
  if (baseline === null) return write(0, fresh, next(observation.phantom));
  // Rule 4: wait for a pass where the phantom can be measured.
  if (observation.phantom === null) return { lost: 0, unverified: 0, recreated: false };
  // Rule 2.
  const lost = Math.min(fresh, Math.max(0, observation.phantom - baseline));
  return write(lost, 0, next(observation.phantom));
}
