import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { DlqFlags, DlqListFlags, DlqPurgeFlags, DlqReplayFlags } from '../control/dlq-action.js';
import { integerOption } from '../option-parsers.js';

const STREAMS_NOTE = `Streams: health_data_stream, device_info_stream, common_event_stream (or their kinds:
health_data, device_info, common_event). Dead letters live in <stream>:dlq.`;

const EXIT_NOTE = 'Exit codes: 0 done, 1 some dead letters could not be replayed, 2 target unreachable, 64 bad usage (nothing sent), 130 declined at the prompt.';

const MAIN_HELP = `
Records a consumer can never persist (no device serial, a payload that is not JSON, a row the
database refuses ${'`'}--max-deliveries${'`'} times) are moved to <stream>:dlq with the reason, so
their batch-mates move on. Fix the cause, then replay them (with a patch if the record itself
was wrong), or purge them.

Example:
  $ streamctl dlq list
  $ streamctl dlq list --stream health_data_stream
  $ streamctl dlq show health_data_stream 1764000000123-0
  $ streamctl dlq replay health_data_stream 1764000000123-0 --patch '{"deviceSn":"WATCH_001"}'
  $ streamctl dlq purge health_data_stream --all --reason "test devices" --yes

${STREAMS_NOTE}

${EXIT_NOTE}`;

const LIST_HELP = `
Example:
  $ streamctl dlq list
  stream               dead letters  oldest failed at      oldest reason
  health_data_stream   2             2025-11-24 16:00:01Z  UnpersistableRecordError: element 0 has no device serial
  $ streamctl dlq list --stream health_data_stream --count 20 --json | jq '.entries[].id'
  $ streamctl dlq list --stream health_data_stream --after 1764000000123-0   # the next page

${STREAMS_NOTE}

Exit codes: 0 listed (also when empty); 2 the service or Redis unreachable; 64 bad flags.`;

const SHOW_HELP = `
Example:
  $ streamctl dlq show health_data_stream 1764000000123-0
  $ streamctl dlq show health_data_stream 1764000000123-0 --json | jq .envelope.data

Shows the failure (reason, deliveries, consumer), the original entry's fields and its payload.
Exit codes: 0 shown; 2 the service or Redis unreachable; 64 bad flags, or no such dead letter.`;

const REPLAY_HELP = `
Example:
  # the device forgot its serial: add it, then re-enqueue the record on health_data_stream
  $ streamctl dlq replay health_data_stream 1764000000123-0 --patch '{"deviceSn":"WATCH_001"}'
  replayed 1 of 1 dead letter(s) to health_data_stream
    1764000000123-0 -> 1764000300000-0
  # the database was fixed: replay everything as it is (asks first; --yes in scripts)
  $ streamctl dlq replay health_data_stream --all --reason "sink fixed" --yes
  # the payload was not JSON at all: give the whole record
  $ streamctl dlq replay health_data_stream 1764000000124-0 --payload '{"deviceSn":"WATCH_002","heart_rate":70}'

The replay keeps the record's ingest id (its uuid), so replaying twice, or after a partial
success, never duplicates a row. --patch is a JSON merge patch (RFC 7396: null removes a key)
applied to the data, or to every element of a list upload. A record that would fail again is
refused with its reason and stays in the dead letters (exit 1).

${EXIT_NOTE}`;

const PURGE_HELP = `
Example:
  $ streamctl dlq purge health_data_stream 1764000000123-0 --reason "garbage from a test rig"
  Delete 1 dead letter(s) of health_data_stream for good (1764000000123-0)? [y/N] y
  purged 1 dead letter(s) from health_data_stream:dlq; 0 left
  $ streamctl dlq purge health_data_stream --all --reason "replayed by hand" --yes --json

Purged records are gone for good (the audit log keeps who, when and why). Asks on a terminal;
without a terminal --yes is required (exit 64 otherwise, nothing purged).

${EXIT_NOTE}`;

export function defineDlq(program: Command): void {
  // Options live on the subcommands only, as for `ratio`: on the parent they would swallow --target.
  const dlq = program.command('dlq').description('List, show, replay or purge dead letters (records consumers could not persist).').addHelpText('after', MAIN_HELP);

  const list = dlq
    .command('list')
    .description('Dead letters per stream, or one stream\'s dead letters (oldest first, paged).')
    .option('--stream <stream>', 'list this stream\'s dead letters')
    .option('--count <n>', 'entries per page (1-1000)', integerOption(1, 1_000), 50)
    .option('--after <id>', 'the page after this dead-letter id (from the previous page)')
    .option('--json', 'print JSON');
  addConnectionOptions(list, false).addHelpText('after', LIST_HELP).action(async (options: DlqListFlags) => {
    const { dlqListAction } = await import('../control/dlq-action.js');
    process.exitCode = await dlqListAction(options, processIo());
  });

  const show = dlq
    .command('show')
    .description('One dead letter with every field.')
    .argument('<stream>', 'e.g. health_data_stream')
    .argument('<id>', 'the dead-letter id, from `dlq list --stream`')
    .option('--json', 'print JSON');
  addConnectionOptions(show, false).addHelpText('after', SHOW_HELP).action(async (stream: string, id: string, options: DlqFlags) => {
    const { dlqShowAction } = await import('../control/dlq-action.js');
    process.exitCode = await dlqShowAction(stream, id, options, processIo());
  });

  const replay = dlq
    .command('replay')
    .description('Re-enqueue dead letters on their stream (after fixing the cause), optionally patched.')
    .argument('<stream>', 'e.g. health_data_stream')
    .argument('[ids...]', 'dead-letter ids (or --all)')
    .option('--all', 'every dead letter of the stream (asks first unless --yes)')
    .option('--patch <json>', 'JSON object merged into the record\'s data, e.g. \'{"deviceSn":"WATCH_001"}\'')
    .option('--payload <json>', 'replace the record of ONE dead letter: the data, or a whole envelope {"data":...}')
    .option('--reason <text>', 'recorded in the audit log')
    .option('-y, --yes', 'do not ask (required with --all when not on a terminal)')
    .option('--json', 'print JSON');
  addConnectionOptions(replay, false).addHelpText('after', REPLAY_HELP).action(async (stream: string, ids: string[], options: DlqReplayFlags) => {
    const { dlqReplayAction } = await import('../control/dlq-action.js');
    process.exitCode = await dlqReplayAction(stream, ids, options, processIo());
  });

  const purge = dlq
    .command('purge')
    .description('Delete dead letters for good (asks first unless --yes).')
    .argument('<stream>', 'e.g. health_data_stream')
    .argument('[ids...]', 'dead-letter ids (or --all)')
    .option('--all', 'every dead letter of the stream')
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .option('-y, --yes', 'do not ask (required when not on a terminal)')
    .option('--json', 'print JSON');
  addConnectionOptions(purge, false).addHelpText('after', PURGE_HELP).action(async (stream: string, ids: string[], options: DlqPurgeFlags) => {
    const { dlqPurgeAction } = await import('../control/dlq-action.js');
    process.exitCode = await dlqPurgeAction(stream, ids, options, processIo());
  });
}
