import { formatDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import { KINDS, type Kind } from '../layout.js';

/**
 * What `streamctl serve` says about its batch path: records accepted and waiting in its in-memory
 * queue (GET /api/stream_health `traditional_queue.queued`, /api/stream_stats `traditional.queued`),
 * and how often it flushes (`traditional_queue.flush_interval_ms`; null from a serve that does not
 * say). The queue is not counted per minute or kind: it holds the newest accepted uploads.
 */
export interface BatchQueueFacts {
  /** Records accepted and not yet stored, all kinds together: queued, held, and in the write in hand. */
  queued: number;
  /** ms; null when unknown. */
  flushIntervalMs: number | null;
  /** Server acceptance time (ms) of the oldest of them; null when unknown or none (`oldest_accepted_at`). */
  oldestAcceptedAtMs?: number | null;
}

/**
 * Whether the queue can hold records of a window ending at `windowEndMs`: not when its oldest
 * record was accepted at or after that end (then all of it is newer, and counting it would hide a
 * loss in the window). Unknown age (an older serve): it may. Pure.
 */
export function queueReaches(queue: BatchQueueFacts, windowEndMs: number): boolean {
  if (queue.queued <= 0) return false;
  return queue.oldestAcceptedAtMs === null || queue.oldestAcceptedAtMs === undefined || queue.oldestAcceptedAtMs < windowEndMs;
}

/**
 * Records of the batch queue counted as in flight for each kind's batch-path gap (accepted minus
 * persisted and dead-lettered, when positive), given out in KINDS order and never more than the
 * gap: a queued record can explain a missing one, never make a row "unexpected". `queued` is the
 * larger of two readings taken around the database reads, so a flush between them cannot make a
 * record look neither queued nor stored. Pure.
 */
export function queuedShares(queued: number, gaps: Record<Kind, number>): Record<Kind, number> {
  let left = Math.max(0, queued);
  const shares = {} as Record<Kind, number>;
  for (const kind of KINDS) {
    const share = Math.min(left, Math.max(0, gaps[kind]));
    shares[kind] = share;
    left -= share;
  }
  return shares;
}

/**
 * The grace must cover one flush of the batch queue: a record accepted just before the window's
 * end waits up to `flushIntervalMs` (serve's --flush-interval, 1 s by default) before its row is
 * written, so with a shorter grace the check races the flush (seen: `--grace 0s` right after 30
 * uploads at ratio 0 said INCONSISTENT, 2 s later CONSISTENT). Throws UsageError (exit 64) naming
 * both durations (`graceText`: as the user wrote it); does nothing when the flush interval is unknown.
 */
export function assertGraceCoversFlush(graceMs: number, flushIntervalMs: number | null, serve: string, graceText = formatDuration(graceMs)): void {
  if (flushIntervalMs === null || graceMs >= flushIntervalMs) return;
  throw new UsageError(
    `--grace ${graceText} is shorter than the batch queue's flush interval (${formatDuration(flushIntervalMs)} on ${serve}): records accepted just before the window's end may still wait in the queue, unwritten, and would be judged missing`,
    `use --grace ${formatDuration(flushIntervalMs)} or more (the default 2m covers it)`,
  );
}
