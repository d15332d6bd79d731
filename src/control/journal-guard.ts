import { JournalWriteError, type Journal, type SkippedLine } from '../ports/journal.js';
import { ExitCode } from '../shared/exit-code.js';
import type { RunRecord } from './records.js';

/**
 * The run's journal, such that a disk that stops taking writes cannot stop the safety action.
 *
 * Until a first record of this session is stored, a failed append throws as before: nothing has
 * been touched yet, and refusing to start (exit 2) is the safe end. From then on a
 * JournalWriteError is kept in `fault` (the first one), reported once through `onFault`, and the
 * append resolves: the engine carries on with the tick in hand (a rollback under way finishes),
 * then ends the run, putting the starting ratio back (controller.ts). Every later record is still
 * offered to the journal, best effort: the adapter bounds each write (5 s, file-journal.ts) and a
 * run has only a handful of records left once it is ending. Any other error is a fault in the
 * program, not the disk, and is thrown to the engine's catch-all (fail-safe.ts).
 */
export class JournalGuard implements Journal<RunRecord> {
  /** The first write failure's message, or null while every record was stored. */
  fault: string | null = null;
  /** Records shown but not stored, from the first failure on. */
  unstored = 0;
  private stored = 0;

  constructor(private readonly inner: Journal<RunRecord>, private readonly onFault: (message: string) => void = () => {}) {}

  async append(runId: string, record: RunRecord): Promise<void> {
    try {
      await this.inner.append(runId, record);
      this.stored++;
    } catch (error) {
      if (!(error instanceof JournalWriteError) || this.stored === 0) throw error;
      this.unstored++;
      if (this.fault === null) {
        this.fault = error.message;
        this.onFault(error.message);
      }
    }
  }

  read(runId: string, onSkipped?: (line: SkippedLine) => void): Promise<RunRecord[]> {
    return this.inner.read(runId, onSkipped);
  }

  list(): Promise<string[]> {
    return this.inner.list();
  }
}

/** The guard's fault when `journal` is a JournalGuard (the engine's), else null. */
export function journalFaultOf(journal: Journal<RunRecord>): string | null {
  return journal instanceof JournalGuard ? journal.fault : null;
}

const FAULT_MARK = 'THE JOURNAL COULD NOT BE WRITTEN';

/**
 * A run's exit code and reason once its journal failed: exit 2 (could not run as it should)
 * whatever the outcome, and the reason says so loudly. Unchanged without a fault; idempotent. Pure.
 */
export function withJournalFault(exitCode: number, reason: string, fault: string | null): { exitCode: number; reason: string } {
  if (fault === null) return { exitCode, reason };
  return {
    exitCode: ExitCode.CouldNotRun,
    reason: reason.includes(FAULT_MARK) ? reason : `${reason}; ${FAULT_MARK} (${fault}): its last records are missing, this run's output has them`,
  };
}
