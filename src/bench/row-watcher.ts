/**
 * Watches serve's SQLite file from the harness (read-only; WAL lets it read while serve writes).
 * Each poll reads the rows added since the last one; a row's end-to-end latency is the poll time
 * that first saw it minus its create_time (the acceptance time serve stamped). Resolution: the
 * latency is over-stated by at most one poll interval (on average half of it) plus the 1 ms of
 * create_time; both clocks are this machine's.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { LatencyHistogram } from '../checks/load/histogram.js';

export class RowWatcher {
  private db: Database.Database | undefined;
  private lastId = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  readonly latency = new LatencyHistogram();
  /** Rows seen in total. */
  rows = 0;
  /** When the first row was seen and when the count last changed (ms epoch). */
  firstSeenAt: number | null = null;
  lastChangeAt: number | null = null;
  /** Only rows accepted at or after this time are put in the histogram (0: all). */
  acceptedFromMs = 0;

  constructor(private readonly path: string, private readonly pollMs: number, private readonly withLatency = true) {}

  start(): this {
    this.timer = setInterval(() => this.poll(), this.pollMs);
    return this;
  }

  /** One poll; also called once more after stop() to pick up the last rows. */
  poll(): void {
    if (this.polling) return;
    this.polling = true;
    try {
      if (!this.db) {
        if (!existsSync(this.path)) return;
        try {
          this.db = new Database(this.path, { readonly: true, fileMustExist: true });
          this.db.pragma('busy_timeout = 1000');
        } catch {
          return;
        }
      }
      const now = Date.now();
      if (this.withLatency) {
        let rows: Array<{ id: number; create_time: string }>;
        try {
          rows = this.db.prepare('SELECT id, create_time FROM user_health_data WHERE id > ? ORDER BY id').all(this.lastId) as typeof rows;
        } catch {
          return; // The table is not there yet.
        }
        for (const row of rows) {
          const accepted = Date.parse(row.create_time);
          if (accepted >= this.acceptedFromMs) this.latency.recordMs(Math.max(0, now - accepted));
        }
        if (rows.length > 0) this.seen(rows.length, rows.at(-1)!.id, now);
      } else {
        let max: number;
        try {
          max = ((this.db.prepare('SELECT max(id) AS max FROM user_health_data').get() as { max: number | null }).max ?? 0);
        } catch {
          return;
        }
        if (max > this.lastId) this.seen(max - this.lastId, max, now);
      }
    } finally {
      this.polling = false;
    }
  }

  private seen(count: number, lastId: number, now: number): void {
    this.rows += count;
    this.lastId = lastId;
    this.firstSeenAt ??= now;
    this.lastChangeAt = now;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
  }

  /** Exact row count (a full count: call it once, at the end). */
  count(): number | null {
    if (!this.db) return null;
    try {
      return (this.db.prepare('SELECT count(*) AS n FROM user_health_data').get() as { n: number }).n;
    } catch {
      return null;
    }
  }

  close(): void {
    this.stop();
    this.db?.close();
    this.db = undefined;
  }
}
