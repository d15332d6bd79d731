import type { RecordKind } from '../wire-format.js';
import { appendBatch, batchSize, emptyBatch, type RowBatch } from './rows.js';

/**
 * What the batch path needs to turn an accepted upload back into the stream entry it would have
 * been (wire-format.ts encodeEntryFields): a record the database refuses becomes a dead letter
 * that `streamctl dlq` shows and replays like any other, with the same ingest key and time, so
 * its rows get the same ingest ids whichever way they are finally stored.
 */
export interface UploadSource {
  kind: RecordKind;
  /** The JSON text of the upload's data, as the stream path would have written it. */
  rawData: string;
  deviceSn: string;
  /** Server acceptance time, ms since the epoch. */
  acceptedAtMs: number;
  /** The base of the rows' ingest ids (shared/ingest-id.ts). */
  ingestKey: string;
}

/** One accepted upload on the batch path: its rows, and (except in spill files of older versions) where they came from. */
export interface QueuedUpload {
  rows: RowBatch;
  source?: UploadSource | undefined;
}

/** An upload as the ingest route queues it: always with its source. */
export type SourcedUpload = QueuedUpload & { source: UploadSource };

export function rowsOfUpload(upload: QueuedUpload): RowBatch {
  return upload.rows;
}

export function recordsIn(uploads: readonly QueuedUpload[]): number {
  let records = 0;
  for (const upload of uploads) records += batchSize(upload.rows);
  return records;
}

export function mergeRows(uploads: readonly QueuedUpload[]): RowBatch {
  const batch = emptyBatch();
  for (const upload of uploads) appendBatch(batch, upload.rows);
  return batch;
}
