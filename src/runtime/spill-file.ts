import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { recordsIn, type QueuedUpload } from './records/queued-upload.js';
import type { RowBatch } from './records/rows.js';

/**
 * Records the batch path accepted but could not write before shutdown (the database was down)
 * go to a file instead of vanishing with the process, and are written at the next start
 * (spill-replay.ts). Rows keep their ingest ids, so a spill written twice still stores each row once.
 *
 * A file is `{"format":"streamctl.spill/v2","uploads":[{rows, source}]}`: one element per accepted
 * upload, with what a dead letter needs (records/queued-upload.ts), so a record the database
 * refuses can be set aside alone. Files of earlier versions are a bare RowBatch; they are read too.
 */
export const SPILL_FORMAT = 'streamctl.spill/v2';

export function spillDir(dataDir: string): string {
  return join(dataDir, 'spill');
}

/** Spill files waiting to be written, oldest first (names start with their time). */
export function listSpills(dataDir: string): string[] {
  try {
    return readdirSync(spillDir(dataDir)).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort().map((name) => join(spillDir(dataDir), name));
  } catch {
    return [];
  }
}

/** A new spill file for `uploads`; undefined when there is nothing to keep. Throws when the disk refuses. */
export function writeSpill(dataDir: string, uploads: readonly QueuedUpload[]): string | undefined {
  if (recordsIn(uploads) === 0) return undefined;
  const dir = spillDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `batch-path-${Date.now()}-${process.pid}.json`);
  rewriteSpill(path, uploads);
  return path;
}

/** Replaces `path` with `uploads`, atomically: a crash mid-write leaves a .tmp file, never half a spill. */
export function rewriteSpill(path: string, uploads: readonly QueuedUpload[]): void {
  const slash = path.lastIndexOf('/');
  const temporary = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.tmp`;
  writeFileSync(temporary, JSON.stringify({ format: SPILL_FORMAT, uploads }));
  const fd = openSync(temporary, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temporary, path);
}

/** The uploads of a spill file, in the order they were accepted. Throws on a file that is not a spill. */
export function readSpill(path: string): QueuedUpload[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (isObject(parsed) && parsed.format === SPILL_FORMAT && Array.isArray(parsed.uploads)) {
    const bad = parsed.uploads.findIndex((upload) => !isObject(upload) || !isRowBatch(upload.rows));
    if (bad !== -1) throw new Error(`not a spill file: upload ${bad} has no row batch`);
    return parsed.uploads as QueuedUpload[];
  }
  if (isRowBatch(parsed)) return uploadsOfLegacy(parsed);
  throw new Error('not a spill file: neither a streamctl.spill/v2 document nor a row batch');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRowBatch(value: unknown): value is RowBatch {
  return isObject(value) && Array.isArray(value.health) && Array.isArray(value.deviceInfo) && Array.isArray(value.events);
}

/**
 * A bare RowBatch (spills of earlier versions) regrouped by upload: an ingest id is
 * `<time>-<upload key>:<element>`, so rows sharing everything before the last `:` came in one
 * upload. They have no source: a refused one cannot become a replayable dead letter.
 */
function uploadsOfLegacy(batch: RowBatch): QueuedUpload[] {
  const byUpload = new Map<string, QueuedUpload>();
  const groupOf = (ingestId: string): QueuedUpload => {
    const key = ingestId.slice(0, Math.max(0, ingestId.lastIndexOf(':')));
    let upload = byUpload.get(key);
    if (!upload) byUpload.set(key, (upload = { rows: { health: [], deviceInfo: [], events: [] } }));
    return upload;
  };
  for (const row of batch.health) groupOf(row.ingest_id).rows.health.push(row);
  for (const row of batch.deviceInfo) groupOf(row.ingest_id).rows.deviceInfo.push(row);
  for (const row of batch.events) groupOf(row.ingest_id).rows.events.push(row);
  return [...byUpload.values()];
}
