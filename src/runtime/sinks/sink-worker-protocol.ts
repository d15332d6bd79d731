import type { RowBatch } from '../records/rows.js';
import type { WriteResult } from './sink.js';

export interface SinkWorkerData {
  /** As `--database`: a postgres URL, a SQLite path or `sqlite:` URL, or undefined for the embedded default. */
  database: string | undefined;
  dataDir: string;
}

/** A sink error carried across the thread boundary: its text, its engine code, and the sink's own verdict on it. */
export interface SinkErrorShape {
  name: string;
  message: string;
  code: string | undefined;
  /** sink.isRecordError(error), decided where the real error object lives. */
  recordError: boolean;
}

export type ToSinkWorker =
  | { type: 'write'; id: number; batch: RowBatch }
  | { type: 'close'; id: number };

export type FromSinkWorker =
  | { type: 'ready' }
  | { type: 'open_failed'; error: SinkErrorShape }
  | { type: 'written'; id: number; result: WriteResult }
  | { type: 'failed'; id: number; error: SinkErrorShape }
  | { type: 'closed'; id: number };
