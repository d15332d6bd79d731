import { DlqClient } from '../../adapters/dlq-client.js';
import { ExitCode } from '../../shared/exit-code.js';
import { UsageError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/durations.js';
import { renderDlqEntry } from '../render/dlq-entry.js';
import { renderDlqOverview, renderDlqPage } from '../render/dlq-list.js';
import { renderPurge, renderReplay } from '../render/dlq-result.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import { styleFor, type Io } from './io.js';
import { confirm } from './prompts.js';
import { jsonDocument } from '../render/snake-json.js';

export interface DlqFlags extends ConnectionFlags {
  json?: boolean;
}

export interface DlqListFlags extends DlqFlags {
  stream?: string;
  count: number;
  after?: string;
}

export interface DlqReplayFlags extends DlqFlags {
  all?: boolean;
  patch?: string;
  payload?: string;
  reason?: string;
  yes?: boolean;
}

export interface DlqPurgeFlags extends DlqFlags {
  all?: boolean;
  reason: string;
  yes?: boolean;
}

export type Ask = (question: string) => Promise<boolean>;

const ID = /^\d{1,20}-\d{1,20}$/;

function checkIds(ids: string[]): void {
  const bad = ids.find((id) => !ID.test(id));
  if (bad !== undefined) throw new UsageError(`"${bad}" is not a dead-letter id (expected <milliseconds>-<sequence>, e.g. 1764000000000-0); nothing was sent`, 'list them with `streamctl dlq list --stream <stream>`');
}

function selection(ids: string[], all: boolean | undefined, verb: string): { ids: string[] } | { all: true } {
  if (all && ids.length > 0) throw new UsageError(`give dead-letter ids or --all, not both; nothing was ${verb}`);
  if (!all && ids.length === 0) throw new UsageError(`give one or more dead-letter ids, or --all; nothing was ${verb}`, 'list them with `streamctl dlq list --stream <stream>`');
  checkIds(ids);
  return all ? { all: true } : { ids };
}

function jsonFlag(text: string, flag: string, mustBeObject: boolean): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag} is not valid JSON (${(error as Error).message}); nothing was sent`, `e.g. ${flag} '{"deviceSn":"WATCH_001"}'`);
  }
  if (mustBeObject && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new UsageError(`${flag} must be a JSON object, not ${Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`}; nothing was sent`, `e.g. ${flag} '{"deviceSn":"WATCH_001"}'`);
  }
  return value;
}

/** Destructive steps ask on a terminal; without one, only --yes lets them through (exit 64, checked before anything is sent). */
function requireConfirmable(io: Io, yes: boolean | undefined, what: string): void {
  // The answer comes from stdin; a pipe or /dev/null there means a script, which must say --yes.
  if (!yes && !io.stdinTTY) {
    throw new UsageError(`refusing to ${what} without confirmation: not on a terminal; nothing was changed`, 'add --yes to confirm in scripts');
  }
}

async function confirmed(ask: Ask, yes: boolean | undefined, question: string): Promise<boolean> {
  return yes ? true : ask(question);
}

async function withClient<T>(flags: ConnectionFlags, run: (dlq: DlqClient) => Promise<T>): Promise<T> {
  const client = clientFor(flags);
  try {
    return await run(new DlqClient(client.http));
  } finally {
    await client.close();
  }
}

export async function dlqListAction(flags: DlqListFlags, io: Io): Promise<number> {
  if (flags.after !== undefined) {
    checkIds([flags.after]);
    if (!flags.stream) throw new UsageError('--after needs --stream');
  }
  const style = styleFor(io, io.stdoutTTY);
  return withClient(flags, async (dlq) => {
    if (!flags.stream) {
      const doc = await dlq.overview();
      io.out(flags.json ? jsonDocument(doc) : renderDlqOverview(doc, style));
    } else {
      const page = await dlq.page(flags.stream, flags.count, flags.after);
      io.out(flags.json ? jsonDocument(page) : renderDlqPage(page, style));
    }
    return ExitCode.Ok;
  });
}

export async function dlqShowAction(stream: string, id: string, flags: DlqFlags, io: Io): Promise<number> {
  checkIds([id]);
  return withClient(flags, async (dlq) => {
    const entry = await dlq.entry(stream, id);
    io.out(flags.json ? jsonDocument(entry) : renderDlqEntry(entry, styleFor(io, io.stdoutTTY)));
    return ExitCode.Ok;
  });
}

/** Replays; exit 0 when every selected dead letter went back, 1 when some stayed. */
export async function dlqReplayAction(stream: string, ids: string[], flags: DlqReplayFlags, io: Io, ask: Ask = confirm): Promise<number> {
  const chosen = selection(ids, flags.all, 'replayed');
  const patch = flags.patch === undefined ? undefined : (jsonFlag(flags.patch, '--patch', true) as Record<string, unknown>);
  const payload = flags.payload === undefined ? undefined : jsonFlag(flags.payload, '--payload', false);
  if (payload !== undefined && !('ids' in chosen && chosen.ids.length === 1)) throw new UsageError('--payload replaces one dead letter\'s record: give exactly one id; nothing was sent');
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  if ('all' in chosen) requireConfirmable(io, flags.yes, 'replay every dead letter');
  return withClient(flags, async (dlq) => {
    if ('all' in chosen) {
      const { dead_letters: count } = await dlq.page(stream, 1);
      if (count === 0) {
        io.out(flags.json ? jsonDocument({ stream, replayed: 0, failed: [], requeued: [] }) : 'nothing to replay');
        return ExitCode.Ok;
      }
      const question = `Replay all ${count} dead letter(s) of ${stream}${patch ? ` with the patch ${JSON.stringify(patch)}` : ''}?`;
      if (!(await confirmed(ask, flags.yes, question))) {
        io.err('not confirmed: nothing was replayed');
        return ExitCode.Interrupted;
      }
    }
    const reply = await dlq.replay({ stream, ...chosen, ...(patch ? { patch } : {}), ...(payload !== undefined ? { payload } : {}), reason: flags.reason ?? 'streamctl dlq replay' }, timeoutMs);
    if (flags.json) io.out(jsonDocument(reply));
    else (reply.failed.length > 0 ? io.err : io.out)(renderReplay(reply, styleFor(io, reply.failed.length > 0 ? io.stderrTTY : io.stdoutTTY)));
    return reply.failed.length > 0 ? ExitCode.CheckFailed : ExitCode.Ok;
  });
}

export async function dlqPurgeAction(stream: string, ids: string[], flags: DlqPurgeFlags, io: Io, ask: Ask = confirm): Promise<number> {
  const chosen = selection(ids, flags.all, 'purged');
  if (flags.reason.trim() === '') throw new UsageError('--reason must say why (it goes to the audit log); nothing was purged');
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  requireConfirmable(io, flags.yes, 'purge dead letters');
  return withClient(flags, async (dlq) => {
    let question: string;
    if ('all' in chosen) {
      const { dead_letters: count } = await dlq.page(stream, 1);
      if (count === 0) {
        io.out(flags.json ? jsonDocument({ stream, purged: 0, dead_letters: 0 }) : `${stream}:dlq has no dead letters: nothing to purge`);
        return ExitCode.Ok;
      }
      question = `Delete all ${count} dead letter(s) of ${stream} for good?`;
    } else {
      question = `Delete ${chosen.ids.length} dead letter(s) of ${stream} for good (${chosen.ids.slice(0, 5).join(', ')}${chosen.ids.length > 5 ? ', ...' : ''})?`;
    }
    if (!(await confirmed(ask, flags.yes, question))) {
      io.err('not confirmed: nothing was purged');
      return ExitCode.Interrupted;
    }
    const reply = await dlq.purge({ stream, ...chosen, reason: flags.reason }, timeoutMs);
    io.out(flags.json ? jsonDocument(reply) : renderPurge(reply, styleFor(io, io.stdoutTTY)));
    return ExitCode.Ok;
  });
}
