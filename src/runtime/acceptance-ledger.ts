import type { Redis } from 'ioredis';
import { LEDGER_TTL_SECONDS, ledgerField, ledgerKey, minuteOf, type LedgerKind, type LedgerMethod } from '../shared/ledger-keys.js';
import type { Logger } from '../shared/logger.js';

/**
 * Counts wait this long to be written together: one pipeline per 20 ms instead of one per reply
 * batch took the ledger from 5% of the ingest thread to noise, and bounds what a kill -9 can
 * leave uncounted to 20 ms of uploads.
 */
const FLUSH_DELAY_MS = 20;
/** Pending increments are capped so an hour-long Redis outage cannot grow memory without bound. */
const MAX_PENDING_FIELDS = 10_000;

/**
 * Counts accepted records per minute, path and kind in Redis, so `check consistency` can tell
 * accepted from persisted. Counts are summed in memory and written together every 20 ms; when
 * Redis is away they wait and are written when it returns.
 */
export class AcceptanceLedger {
  private pending = new Map<string, number>();
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  /** Records accepted but left out of the ledger because the pending counts hit their cap. */
  dropped = 0;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  count(method: LedgerMethod, kind: LedgerKind, testDevice: boolean, records: number, atMs: number): void {
    const slot = `${minuteOf(atMs)}|${ledgerField(method, kind, testDevice)}`;
    const current = this.pending.get(slot);
    if (current === undefined && this.pending.size >= MAX_PENDING_FIELDS) {
      this.dropped += records;
      return;
    }
    this.pending.set(slot, (current ?? 0) + records);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
    }
  }

  async flush(): Promise<void> {
    this.scheduled = false;
    if (this.flushing) await this.flushing;
    if (this.pending.size === 0 || this.redis.status !== 'ready') return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    const slots = [...batch.entries()];
    const keys = new Set<string>();
    for (const [slot, records] of slots) {
      const [minute, field] = slot.split('|') as [string, string];
      const key = ledgerKey(Number(minute));
      pipeline.hincrby(key, field, records);
      keys.add(key);
    }
    for (const key of keys) pipeline.expire(key, LEDGER_TTL_SECONDS);
    const warn = (error: unknown) =>
      this.logger.throttled('ledger', 10_000, 'warn', 'could not write the acceptance ledger; will retry', { error });
    this.flushing = pipeline
      .exec()
      .then(
        (results) => {
          // Only the increments that failed are retried; the others are in Redis already.
          const failed = slots.filter((_, index) => !results || results[index]?.[0]);
          this.restore(failed);
          if (failed.length > 0) warn(results?.find(([error]) => error)?.[0]);
        },
        (error) => {
          this.restore(slots);
          warn(error);
        },
      )
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  private restore(slots: Array<[string, number]>): void {
    for (const [slot, records] of slots) this.pending.set(slot, (this.pending.get(slot) ?? 0) + records);
  }
}
