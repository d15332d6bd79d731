import { appendFile, mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../shared/errors.js';
import { JournalWriteError, type Journal, type JournalRecord, type SkippedLine } from '../ports/journal.js';

export const DEFAULT_DATA_DIR = '.streamctl';

/**
 * 5 s: a local append takes well under 10 ms, so one this slow means the disk is gone (a hung NFS
 * mount, a dead device). The run must not wait on it: a rollback is recorded only after it was
 * done, and the engine goes on without the journal (JournalWriteError). A write that completes
 * after this may still land, after records that were appended meanwhile.
 */
const JOURNAL_WRITE_TIMEOUT_MS = 5_000;

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
      // 0700/0600: a journal holds who ran what against which target, readable by its owner only.
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      // A torn last line (a crash mid-write leaves no newline) would glue this record onto the
      // fragment, and read() would then skip both: start on a line of its own. Checked before
      // every append (a 1-byte read; a run writes a few records a minute): the tail may be
      // another process's, one that died mid-write.
      const write = async () => {
        const lead = (await endsWithNewline(path)) ? '' : '\n';
        // One write call per line with O_APPEND: a crash leaves at worst a torn last line, which read() skips.
        await appendFile(path, lead + JSON.stringify(record) + '\n', { encoding: 'utf8', flag: 'a', mode: 0o600 });
      };
      await bounded(write(), JOURNAL_WRITE_TIMEOUT_MS);
    } catch (error) {
      throw new JournalWriteError(`cannot write the journal ${path}: ${(error as Error).message}`, 'check that --data-dir is writable and has space');
    }
  }

  async read(runId: string, onSkipped?: (line: SkippedLine) => void): Promise<R[]> {
    let text: string;
    try {
      text = await readFile(this.pathOf(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: R[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        // A line torn by a crash mid-write: skipped, and what came before and after it stands.
        onSkipped?.({ line: i + 1, bytes: Buffer.byteLength(line), start: line.slice(0, 80) });
      }
    });
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

/** True when the file is absent, empty, or ends with `\n`: the next append starts a line of its own. */
async function endsWithNewline(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** `work`, or a rejection after `ms`; the timer never keeps the process alive. */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the write did not finish in ${ms / 1000} s`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
