import { appendFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamctlError, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-code.js';
import type { Journal, JournalRecord } from '../ports/journal.js';

export const DEFAULT_DATA_DIR = '.streamctl';

// Run ids become file names: letters, digits, dot, dash, underscore only (no `../`).
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** JSON lines under `<data-dir>/runs/<run-id>.jsonl`, one appended line per record. */
export class FileJournal<R extends JournalRecord = JournalRecord> implements Journal<R> {
  readonly dir: string;

  constructor(dataDir: string = DEFAULT_DATA_DIR) {
    this.dir = join(dataDir, 'runs');
  }

  pathOf(runId: string): string {
    if (!RUN_ID.test(runId)) throw new UsageError(`run id "${runId}" is not valid`, 'run ids look like cutover-20250101T120000Z-1a2b');
    return join(this.dir, `${runId}.jsonl`);
  }

  async append(runId: string, record: R): Promise<void> {
    const path = this.pathOf(runId);
    try {
      await mkdir(this.dir, { recursive: true });
      // One write call per line with O_APPEND: a crash leaves at worst a torn last line, which read() skips.
      await appendFile(path, JSON.stringify(record) + '\n', { encoding: 'utf8', flag: 'a' });
    } catch (error) {
      throw new StreamctlError(`cannot write the journal ${path}: ${(error as Error).message}`, ExitCode.CouldNotRun, 'check --data-dir is writable');
    }
  }

  async read(runId: string): Promise<R[]> {
    let text: string;
    try {
      text = await readFile(this.pathOf(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: R[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // A torn final line from a crash mid-write; everything before it stands.
      }
    }
    return records;
  }

  async list(): Promise<string[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.jsonl'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const withTimes = await Promise.all(
      names.map(async (name) => ({ id: name.slice(0, -'.jsonl'.length), mtime: (await stat(join(this.dir, name))).mtimeMs })),
    );
    return withTimes.sort((a, b) => b.mtime - a.mtime || b.id.localeCompare(a.id)).map((x) => x.id);
  }
}
