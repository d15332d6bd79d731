import { renameSync, rmSync } from 'node:fs';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { BatchDeadLetter, BatchDeadLetters } from './batch-dead-letters.js';
import { recordsIn, rowsOfUpload, type QueuedUpload } from './records/queued-upload.js';
import type { Sink } from './sinks/sink.js';
import { writeIsolating } from './sinks/write-isolating.js';
import { listSpills, readSpill, rewriteSpill } from './spill-file.js';

/** What a replay could not finish: records still in spill files, and the last reason. */
export interface SpillTrouble {
  files: number;
  records: number;
  error: string;
}

const RETRY_MS = 30_000;

/**
 * Writes the spill files an earlier shutdown left (spill-file.ts), the way the batch path writes
 * (traditional-queue.ts): a record the database refuses is found by halving and dead-lettered
 * alone, its batch-mates are stored. A file shrinks to what is left after each pass and is
 * removed only once all of it is stored or dead-lettered, so a file with one bad record no longer
 * fails at every start, and a database that is away at start-up is retried every 30 s while the
 * service runs (health says so meanwhile) instead of only at the next start.
 */
export class SpillReplay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private state: SpillTrouble | undefined;
  stored = 0;
  deadLettered = 0;

  constructor(
    private readonly dataDir: string,
    private readonly sink: Sink,
    private readonly deadLetters: BatchDeadLetters,
    private readonly logger: Logger,
  ) {}

  /** Undefined when every spill file is written. */
  get trouble(): SpillTrouble | undefined {
    return this.state;
  }

  /** One pass over every spill file; never throws. Concurrent calls share the pass. */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Repeats the pass every 30 s while files are left; stop() ends it. */
  keepTrying(everyMs = RETRY_MS): void {
    if (this.stopped || this.timer || !this.state) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run().then(() => this.keepTrying(everyMs));
    }, everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pass(): Promise<void> {
    let files = 0;
    let records = 0;
    let lastError: string | undefined;
    for (const path of listSpills(this.dataDir)) {
      if (this.stopped) break;
      // A disk that refuses the rewrite leaves the file as it was: still nothing lost.
      const result = await this.replayFile(path).catch((error) => ({ left: Number.NaN, error: errorMessage(error) }));
      if (result.left === 0) continue;
      files++;
      if (Number.isFinite(result.left)) records += result.left;
      lastError = result.error ?? lastError;
    }
    this.state = files > 0 ? { files, records, error: lastError ?? 'unknown' } : undefined;
  }

  /** Records left in the file afterwards (0: it is gone), and why they are. */
  private async replayFile(path: string): Promise<{ left: number; error?: string }> {
    let error: string | undefined;
    let uploads: QueuedUpload[];
    try {
      uploads = readSpill(path);
    } catch (error) {
      // Kept, never deleted, but out of the way: it would fail the same way at every pass.
      const aside = `${path}.unreadable`;
      renameSync(path, aside);
      this.logger.error('a spill file could not be read; it is kept aside for a person to look at', { file: aside, error: errorMessage(error) });
      return { left: 0 };
    }
    const outcome = await writeIsolating(this.sink, uploads, rowsOfUpload);
    this.stored += recordsIn(outcome.written);
    const left: QueuedUpload[] = [...outcome.unwritten];
    const letters: BatchDeadLetter[] = [];
    const sourceless: QueuedUpload[] = [];
    for (const { unit, error } of outcome.refused) {
      if (unit.source) letters.push({ upload: { ...unit, source: unit.source }, reason: `sink refused the record: ${errorMessage(error)}` });
      else sourceless.push(unit);
    }
    if (letters.length > 0) {
      try {
        await this.deadLetters(letters);
        this.deadLettered += recordsIn(letters.map((l) => l.upload));
        this.logger.warn('spilled batch-path records the database refused moved to the dead-letter stream', { file: path, count: letters.length, first_reason: letters[0]!.reason });
      } catch (failure) {
        left.push(...letters.map((l) => l.upload));
        error = `could not dead-letter refused records: ${errorMessage(failure)}`;
      }
    }
    if (sourceless.length > 0) {
      // Rows from a spill written by an earlier version carry no upload to rebuild a stream entry
      // from: they are kept in a file of their own, which is never replayed by itself.
      const aside = `${path}.refused`;
      rewriteSpill(aside, sourceless);
      this.logger.error('the database refused records of an old-format spill file; they are kept aside', {
        file: aside, records: recordsIn(sourceless), reason: errorMessage(outcome.refused.find((r) => !r.unit.source)!.error),
      });
    }
    if (outcome.error !== undefined) error = errorMessage(outcome.error);
    const stored = recordsIn(outcome.written);
    if (left.length === 0) {
      rmSync(path);
      this.logger.warn('wrote records the batch path had spilled at its last shutdown', { file: path, records: stored, dead_lettered: outcome.refused.length });
      return { left: 0 };
    }
    rewriteSpill(path, left);
    this.logger.error('could not write all of a spill file yet; what is left stays in it and is retried', { file: path, stored, left: recordsIn(left), error });
    return { left: recordsIn(left), ...(error ? { error } : {}) };
  }
}
