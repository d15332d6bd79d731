import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { StatusFlags } from '../control/status-action.js';
import { onInterrupt } from '../interrupts.js';
import { onOutputClosed } from '../output-streams.js';

const EXAMPLE = `
Example:
  $ streamctl watch --every 2s
  Redraws \`streamctl status\` every 2 seconds until Ctrl-C.
  $ streamctl watch --json --every 10s >> status.jsonl    # one JSON document per refresh

Exit codes: 0 when stopped with Ctrl-C (stopping a watch is its normal end), 64 bad flag.`;

export function defineWatch(program: Command): void {
  const command = program
    .command('watch')
    .description('`status`, refreshed every few seconds until Ctrl-C.')
    .option('--every <duration>', 'refresh period', '5s')
    .option('--json', 'one JSON document per refresh');
  addConnectionOptions(command);
  command.addHelpText('after', EXAMPLE).action(async (options: StatusFlags) => {
    const { parseDuration } = await import('../../shared/durations.js');
    parseDuration(options.every ?? '5s', '--every'); // a bad period is exit 64 before anything runs
    const { watchAction } = await import('../control/status-action.js');
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    const stopListening = onInterrupt(onSigint);
    // `streamctl watch | head -1`: the reader is gone, so is the point of refreshing.
    const stopPipe = onOutputClosed((name) => {
      if (name === 'stdout') stop.abort();
    });
    try {
      process.exitCode = await watchAction(options, processIo(), stop.signal);
    } finally {
      stopListening();
      stopPipe();
    }
  });
}
