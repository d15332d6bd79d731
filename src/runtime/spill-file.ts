import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { batchSize, type RowBatch } from './records/rows.js';
import type { Sink } from './sinks/sink.js';

/**
 * Records the batch path accepted but could not write before shutdown (the database was down)
 * go to a file instead of vanishing with the process, and are written at the next start.
 * Rows keep their ingest ids, so a spill written twice still stores each row once.
 */
export function spillDir(dataDir: string): string {
  return join(dataDir, 'spill');
}

export function writeSpill(dataDir: string, batch: RowBatch): string | undefined {
  if (batchSize(batch) === 0) return undefined;
  const dir = spillDir(dataDir);
  mkdirSync(dir, { recursive: true });
  const name = `batch-path-${Date.now()}-${process.pid}.json`;
  const temporary = join(dir, `.${name}.tmp`);
  writeFileSync(temporary, JSON.stringify(batch));
  const fd = openSync(temporary, 'r');
  fsyncSync(fd);
  closeSync(fd);
  // Renamed only once complete: a crash mid-write leaves a .tmp file, never half a spill.
  renameSync(temporary, join(dir, name));
  return join(dir, name);
}

/** Writes every spill file left by an earlier shutdown; a file is removed only after its rows are stored. */
export async function replaySpills(dataDir: string, sink: Sink, logger: Logger): Promise<number> {
  let dir: string[];
  try {
    dir = readdirSync(spillDir(dataDir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
  } catch {
    return 0;
  }
  let replayed = 0;
  for (const name of dir.sort()) {
    const path = join(spillDir(dataDir), name);
    try {
      const batch = JSON.parse(readFileSync(path, 'utf8')) as RowBatch;
      const result = await sink.write(batch);
      rmSync(path);
      replayed += batchSize(batch);
      logger.warn('wrote records the batch path had spilled at its last shutdown', { file: path, records: batchSize(batch), already_stored: result.alreadyStored });
    } catch (error) {
      logger.error('could not write a spill file yet; it stays for the next start', { file: path, error: errorMessage(error) });
    }
  }
  return replayed;
}
