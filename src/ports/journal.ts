/** Every journal record has a type and an ISO time; the control layer defines the rest. */
export interface JournalRecord {
  type: string;
  at: string;
}

/** Append-only run journal (JSON lines under `<data-dir>/runs/<run-id>.jsonl`). */
export interface Journal<R extends JournalRecord = JournalRecord> {
  append(runId: string, record: R): Promise<void>;
  /** All records of a run, oldest first; an unknown run id is an empty list. */
  read(runId: string): Promise<R[]>;
  /** Run ids, most recently written first. */
  list(): Promise<string[]>;
}
