import type { RowBatch } from '../records/rows.js';

export interface WriteResult {
  inserted: number;
  /** Rows whose ingest id was already stored: a redelivery, harmless by design. */
  alreadyStored: number;
}

/** Where accepted records end up. A write is one transaction: all rows of the batch or none. */
export interface Sink {
  readonly description: string;
  write(batch: RowBatch): Promise<WriteResult>;
  /**
   * True when the error is about the rows themselves (a constraint, a type the engine refuses),
   * so retrying the same rows cannot help; false for the engine being unavailable, which heals.
   */
  isRecordError(error: unknown): boolean;
  close(): Promise<void>;
}
