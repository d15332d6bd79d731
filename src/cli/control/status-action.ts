import { FileJournal } from '../../adapters/file-journal.js';
import { systemClock } from '../../adapters/system-clock.js';
import type { RunRecord } from '../../control/records.js';
import { gatherStatus, type StatusDoc } from '../../control/status.js';
import type { Clock } from '../../ports/clock.js';
import { ExitCode } from '../../shared/exit-code.js';
import { jsonDocument } from '../render/snake-json.js';
import { renderStatus } from '../render/status-view.js';
import { watchPage } from '../render/watch-page.js';
import { parseWatchPeriod } from './watch-period.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import { styleFor, type Io } from './io.js';

export interface StatusFlags extends ConnectionFlags {
  json?: boolean;
  every?: string;
}

async function snapshot(flags: StatusFlags, clock: Clock): Promise<StatusDoc> {
  const client = clientFor(flags);
  try {
    const journal = new FileJournal<RunRecord>(flags.dataDir);
    return await gatherStatus({ traffic: client, metrics: client, info: client, journal, now: () => clock.now() }, client.target);
  } finally {
    await client.close();
  }
}

/** 0 when the service answered its health endpoint (whatever it said), 2 when it did not. */
export async function statusAction(flags: StatusFlags, io: Io, clock: Clock = systemClock): Promise<number> {
  const doc = await snapshot(flags, clock);
  io.out(flags.json ? jsonDocument(doc) : renderStatus(doc, styleFor(io, io.stdoutTTY), { columns: io.columns ?? 80, rows: Infinity }));
  return doc.health.ok ? ExitCode.Ok : ExitCode.CouldNotRun;
}

/**
 * `status` every `--every` until Ctrl-C (or `signal`), which ends it with exit 0: stopping a
 * watch is its normal end, not an interruption of work.
 */
export async function watchAction(flags: StatusFlags, io: Io, signal: AbortSignal, clock: Clock = systemClock, maxRefreshes = Infinity): Promise<number> {
  const every = parseWatchPeriod(flags.every ?? '5s');
  const style = styleFor(io, io.stdoutTTY);
  for (let n = 0; n < maxRefreshes && !signal.aborted; n++) {
    const doc = await snapshot(flags, clock);
    if (signal.aborted) break;
    if (flags.json) io.out(jsonDocument(doc));
    else if (io.stdoutTTY) io.out(`\x1b[2J\x1b[H${watchPage(doc, { columns: io.columns ?? 80, rows: io.rows ?? 24 }, flags.every ?? '5s', style).join('\n')}`);
    else io.out(`${renderStatus(doc, style)}\n${'-'.repeat(60)}`);
    if (n + 1 < maxRefreshes) await clock.sleep(every, signal);
  }
  return ExitCode.Ok;
}
