import { StreamctlError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-code.js';

/** Every journal record has a type and an ISO time; the control layer defines the rest. */
export interface JournalRecord {
  type: string;
  at: string;
}

/** A journal line that was not a record: where it is and how it starts. */
export interface SkippedLine {
  /** 1-based line number in the run's journal. */
  line: number;
  /** Its length in bytes (UTF-8). */
  bytes: number;
  /** Its first 80 characters. */
  start: string;
}

/** Append-only run journal (JSON lines under `<data-dir>/runs/<run-id>.jsonl`). */
export interface Journal<R extends JournalRecord = JournalRecord> {
  append(runId: string, record: R): Promise<void>;
  /**
   * All records of a run, oldest first; an unknown run id is an empty list. A line that cannot be
   * read (torn by a crash mid-write) is skipped, never the records around it, and reported to
   * `onSkipped` so the caller can say so.
   */
  read(runId: string, onSkipped?: (line: SkippedLine) => void): Promise<R[]>;
  /** Run ids, most recently written first. */
  list(): Promise<string[]>;
}

/**
 * `append` could not store the record (read-only or full disk, the file replaced, a write that
 * did not finish in time). Distinct from every other error so the engine can tell "cannot record"
 * from a fault in its own logic: it then puts the traffic back without the journal and ends
 * (control/journal-guard.ts), never leaving the ratio half moved because a disk failed. Exit 2.
 */
export class JournalWriteError extends StreamctlError {
  constructor(message: string, hint = 'check that --data-dir is writable and has space') {
    super(message, ExitCode.CouldNotRun, hint);
    this.name = 'JournalWriteError';
  }
}
