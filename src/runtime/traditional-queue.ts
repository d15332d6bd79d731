import type { Logger } from '../shared/logger.js';
import { appendBatch, batchSize, emptyBatch, type RowBatch } from './records/rows.js';
import type { Sink } from './sinks/sink.js';

export interface TraditionalQueueOptions {
  batchSize: number;
  flushIntervalMs: number;
  /** Beyond this many queued records the path refuses uploads (503) instead of growing without bound. */
  maxQueued: number;
}

/**
 * The legacy path: an in-memory queue written to the database in batches. It is not durable
 * (that is why the migration exists), but it never drops what it holds: a failed write keeps the
 * rows queued and tries again with back-off.
 */
export class TraditionalQueue {
  private queue: RowBatch = emptyBatch();
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  persisted = 0;
  writeErrors = 0;
  lastErrorTime: number | undefined;

  constructor(
    private readonly sink: Sink,
    private readonly options: TraditionalQueueOptions,
    private readonly logger: Logger,
  ) {}

  get length(): number {
    return this.queued;
  }

  get full(): boolean {
    return this.queued >= this.options.maxQueued;
  }

  enqueue(rows: RowBatch): void {
    if (this.closed) throw new Error('the traditional queue is closed');
    appendBatch(this.queue, rows);
    this.queued += batchSize(rows);
    if (this.queued >= this.options.batchSize && !this.writing) void this.flush();
    else this.schedule(this.options.flushIntervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.queued === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
  }

  /** Writes everything queued now; concurrent calls share one write. */
  async flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (this.queued === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    const count = this.queued;
    this.queue = emptyBatch();
    this.queued = 0;
    this.writing = this.sink.write(batch).then(
      () => {
        this.persisted += count;
        this.failures = 0;
      },
      (error) => {
        // Put the rows back in front, in order, so nothing is lost and order is kept.
        appendBatch(batch, this.queue);
        this.queue = batch;
        this.queued += count;
        this.failures++;
        this.writeErrors++;
        this.lastErrorTime = Date.now();
        this.logger.throttled('traditional-write', 10_000, 'error', 'traditional path could not write a batch; retrying', { records: count, error });
      },
    ).finally(() => {
      this.writing = undefined;
      if (this.queued > 0 && !this.closed) this.schedule(this.failures > 0 ? Math.min(100 * 2 ** this.failures, 5_000) : this.queued >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
    });
    return this.writing;
  }

  /** Flushes until empty or until the deadline; returns what could not be written, for the spill file. */
  async close(deadlineMs: number): Promise<RowBatch> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while ((this.queued > 0 || this.writing) && Date.now() < deadlineMs) {
      await this.flush();
      if (this.failures > 0) await new Promise((r) => setTimeout(r, 200));
    }
    if (this.writing) await this.writing;
    const left = this.queue;
    this.queue = emptyBatch();
    this.queued = 0;
    return left;
  }
}
