/**
 * The row watcher for a client-server database (PostgreSQL, MariaDB): the same figures as the
 * SQLite one (row-watcher.ts) — rows seen, accept -> row latency from each row's create_time —
 * read over one connection every `pollMs`. New rows are found by id with an IdCursor, so rows of
 * a batch that committed after a later batch are still seen. Each poll is one query, so the
 * database serves the harness too (at 50 ms: 20 small selects per second).
 */
import { LatencyHistogram } from '../checks/load/histogram.js';
import { IdCursor, type IdQuery } from './id-cursor.js';

/** One engine's query: the rows matching `where`, as id and acceptance time (ms epoch). */
export interface RowSource {
  rows(where: IdQuery): Promise<Array<{ id: number; acceptedMs: number }>>;
  /** Exact count (one full count, for the end). */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** What the sustained section reads from a watcher, whichever the engine. */
export interface WatchesRows {
  readonly latency: LatencyHistogram;
  readonly rows: number;
  acceptedFromMs: number;
  start(): unknown;
  /** Stops polling after one last poll. */
  stop(): void | Promise<void>;
  close(): void | Promise<void>;
}

/** `id > above OR id BETWEEN lo AND hi ...` with `?` or `$n` placeholders; values in order. */
export function idWhere(where: IdQuery, placeholder: (n: number) => string): { sql: string; values: number[] } {
  const values = [where.above];
  const parts = [`id > ${placeholder(1)}`];
  for (const [lo, hi] of where.ranges) {
    values.push(lo, hi);
    parts.push(`id BETWEEN ${placeholder(values.length - 1)} AND ${placeholder(values.length)}`);
  }
  return { sql: parts.join(' OR '), values };
}

export class SqlRowWatcher implements WatchesRows {
  private readonly cursor = new IdCursor();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  readonly latency = new LatencyHistogram();
  rows = 0;
  acceptedFromMs = 0;
  /** Polls that failed (the table not created yet, a timeout under load): skipped, counted. */
  failedPolls = 0;

  constructor(private readonly source: RowSource, private readonly pollMs: number) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    return this;
  }

  /** One poll; a poll still running is joined, never doubled. */
  poll(): Promise<void> {
    this.polling ??= (async () => {
      try {
        const rows = await this.source.rows(this.cursor.query());
        const now = Date.now();
        for (const row of rows) if (row.acceptedMs >= this.acceptedFromMs) this.latency.recordMs(Math.max(0, now - row.acceptedMs));
        this.cursor.record(rows.map((r) => r.id), now);
        this.rows += rows.length;
      } catch {
        this.failedPolls++;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.poll();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.source.close();
  }
}
