import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { BatchDeadLetter, BatchDeadLetters } from './batch-dead-letters.js';
import { recordsIn, rowsOfUpload, type SourcedUpload } from './records/queued-upload.js';
import { batchSize } from './records/rows.js';
import type { Sink } from './sinks/sink.js';
import { writeIsolating } from './sinks/write-isolating.js';

export interface TraditionalQueueOptions {
  batchSize: number;
  flushIntervalMs: number;
  /** Beyond this many queued records the path refuses uploads (503) instead of growing without bound. */
  maxQueued: number;
}

/** Why the batch path is not writing right now, for health (monitoring-routes.ts); undefined while it writes. */
export interface WriteTrouble {
  sinceMs: number;
  error: string;
}

/** Upper bound of the retry back-off, ms. */
const MAX_BACKOFF_MS = 5_000;
/**
 * Records per write at least (a larger --batch-size wins). The rows are copied to the database
 * thread on the HTTP thread (structured clone: 0.9 us a health row measured here, 9 ms for 10k):
 * a backlog of 200k after an outage goes in bites of milliseconds, not one 180 ms copy that
 * stalls every answer.
 */
const MIN_WRITE_CAP = 10_000;

/**
 * The legacy path: an in-memory queue of accepted uploads written to the database in batches. It
 * is not durable (that is why the migration exists), but it never drops what it holds:
 * - a database that is away keeps the uploads queued, retried with back-off;
 * - a database that refuses some records for what they hold (a NUL byte PostgreSQL text cannot
 *   store, a constraint) gets the batch halved until those records stand alone (write-isolating.ts);
 *   their batch-mates are stored and they become dead letters (batch-dead-letters.ts), as on the
 *   stream path. Before this, one such record failed every batch after it, forever;
 * - a refused record that cannot be dead-lettered (Redis away) is held, retried, and spilled at
 *   shutdown with the rest.
 * The sink is expected to run its transactions off the HTTP thread (worker-sink.ts).
 */
export class TraditionalQueue {
  private queue: SourcedUpload[] = [];
  private queued = 0;
  /** Refused by the database, waiting for the dead-letter stream to take them. */
  private held: BatchDeadLetter[] = [];
  private heldError: string | undefined;
  /** The uploads of the write in hand: still ours to spill if the write outlives the shutdown deadline. */
  private inFlight: SourcedUpload[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private trouble: WriteTrouble | undefined;
  persisted = 0;
  writeErrors = 0;
  deadLettered = 0;
  lastErrorTime: number | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly options: TraditionalQueueOptions,
    private readonly logger: Logger,
    private readonly deadLetters: BatchDeadLetters,
  ) {}

  /** Records waiting: queued, and refused ones not yet dead-lettered. */
  get length(): number {
    return this.queued + recordsIn(this.held.map((letter) => letter.upload));
  }

  /** Records of the write in hand: off the queue, not yet known to be stored. */
  get inWrite(): number {
    return recordsIn(this.inFlight);
  }

  /**
   * Server acceptance time (ms) of the oldest record not yet stored (queued, held, or in the
   * write in hand); undefined when there is none. `check consistency` counts the queue as in
   * flight only for a window that ends after it (checks/consistency/batch-queue.ts).
   */
  get oldestAcceptedAtMs(): number | undefined {
    let oldest: number | undefined;
    for (const upload of [this.inFlight[0], this.queue[0], this.held[0]?.upload]) {
      if (upload) oldest = Math.min(oldest ?? Infinity, upload.source.acceptedAtMs);
    }
    return oldest;
  }

  get full(): boolean {
    return this.length >= this.options.maxQueued;
  }

  /** Set while the database does not take the batch path's writes: since when, and its last error. */
  get writeTrouble(): WriteTrouble | undefined {
    return this.trouble;
  }

  /** Refused records the dead-letter stream could not take yet, and why; undefined when there are none. */
  get deadLetterTrouble(): { records: number; error: string } | undefined {
    if (this.held.length === 0) return undefined;
    return { records: recordsIn(this.held.map((letter) => letter.upload)), error: this.heldError ?? 'not tried yet' };
  }

  enqueue(upload: SourcedUpload): void {
    if (this.closed) throw new Error('the traditional queue is closed');
    this.queue.push(upload);
    this.queued += batchSize(upload.rows);
    if (this.queued >= this.options.batchSize && !this.writing) void this.flush();
    else this.schedule(this.options.flushIntervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer || (this.queued === 0 && this.held.length === 0)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  /** Writes the oldest queued uploads, up to the write cap (and dead-letters what is held); concurrent calls share one write. */
  async flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.queued === 0 && this.held.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const uploads = this.takeBite();
    this.inFlight = uploads;
    this.writing = this.write(uploads).finally(() => {
      this.writing = undefined;
      this.inFlight = [];
      if ((this.queued > 0 || this.held.length > 0) && !this.closed) {
        this.schedule(this.failures > 0 ? Math.min(100 * 2 ** this.failures, MAX_BACKOFF_MS) : this.queued >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
      }
    });
    return this.writing;
  }

  /** The oldest uploads, up to the write cap (at least one), taken off the queue. */
  private takeBite(): SourcedUpload[] {
    const cap = Math.max(this.options.batchSize, MIN_WRITE_CAP);
    if (this.queued <= cap) {
      const all = this.queue;
      this.queue = [];
      this.queued = 0;
      return all;
    }
    let records = 0;
    let count = 0;
    while (count < this.queue.length && (count === 0 || records + batchSize(this.queue[count]!.rows) <= cap)) records += batchSize(this.queue[count++]!.rows);
    this.queued -= records;
    return this.queue.splice(0, count);
  }

  private async write(uploads: SourcedUpload[]): Promise<void> {
    const outcome = await writeIsolating(this.sink, uploads, rowsOfUpload);
    this.persisted += recordsIn(outcome.written);
    for (const { unit, error } of outcome.refused) this.held.push({ upload: unit, reason: `sink refused the record: ${errorMessage(error)}` });
    if (outcome.refused.length > 0) {
      this.logger.warn('the database refused batch-path records for what they hold; their batch-mates are stored and they go to the dead letters', {
        refused: outcome.refused.length, stored: outcome.written.length, writes: outcome.writes, first_reason: errorMessage(outcome.refused[0]!.error),
      });
    }
    await this.deadLetterHeld();
    if (outcome.error === undefined) {
      this.trouble = undefined;
      if (this.heldError === undefined) this.failures = 0;
      return;
    }
    // Put the unwritten uploads back in front, in order, so nothing is lost and order is kept.
    this.queue = [...outcome.unwritten, ...this.queue];
    this.queued += recordsIn(outcome.unwritten);
    this.failures++;
    this.writeErrors++;
    this.lastErrorTime = Date.now();
    this.trouble = { sinceMs: this.trouble?.sinceMs ?? Date.now(), error: errorMessage(outcome.error) };
    this.logger.throttled('traditional-write', 10_000, 'error', 'traditional path could not write a batch; retrying', { records: recordsIn(outcome.unwritten), error: errorMessage(outcome.error) });
  }

  private async deadLetterHeld(): Promise<void> {
    if (this.held.length === 0) return;
    const letters = this.held;
    try {
      await this.deadLetters(letters);
      this.held = this.held.slice(letters.length);
      this.heldError = undefined;
      this.deadLettered += recordsIn(letters.map((letter) => letter.upload));
      this.logger.warn('batch-path records moved to the dead-letter stream', { count: letters.length, first_reason: letters[0]!.reason });
    } catch (error) {
      this.heldError = errorMessage(error);
      this.failures++;
      this.logger.throttled('traditional-dead-letter', 10_000, 'error', 'refused batch-path records could not be dead-lettered; they are held and retried', { records: letters.length, error: this.heldError });
    }
  }

  /**
   * Flushes until empty or until the deadline; returns what is not known to be stored, for the
   * spill file: the queue, the refused records not yet dead-lettered, and a write still in hand
   * at the deadline (it may commit later; its rows' ingest ids make writing them again harmless).
   */
  async close(deadlineMs: number): Promise<SourcedUpload[]> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while ((this.queued > 0 || this.writing || this.held.length > 0) && Date.now() < deadlineMs) {
      await untilDeadline(this.flush(), deadlineMs);
      if (this.failures > 0 && Date.now() < deadlineMs) await untilDeadline(new Promise((r) => setTimeout(r, 200)), deadlineMs);
    }
    const left = [...this.inFlight, ...this.queue, ...this.held.map((letter) => letter.upload)];
    this.queue = [];
    this.queued = 0;
    this.held = [];
    return left;
  }
}

async function untilDeadline(work: Promise<unknown>, deadlineMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
