import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { StatusFlags } from '../control/status-action.js';
import { onInterrupt } from '../interrupts.js';
import { onOutputClosed } from '../output-streams.js';

const EXAMPLE = `
Example:
  $ streamctl watch --every 2s
  Redraws \`streamctl status\` every 2 seconds until Ctrl-C, laid out for the terminal: health,
  ratio, per-path rate, error rate and p95, backlog and the latest run's steps come first and fit
  80x24; recent ratio changes follow when there is room.
  $ streamctl watch --json --every 10s >> status.jsonl    # one JSON document per refresh

Exit codes: 0 when stopped with Ctrl-C (stopping a watch is its normal end), 64 bad flag
(--every below 1s included).`;

export function defineWatch(program: Command): void {
  const command = program
    .command('watch')
    .description('`status`, refreshed every few seconds until Ctrl-C.')
    .option('--every <duration>', 'refresh period, 1s or more', '5s')
    .option('--json', 'one JSON document per refresh');
  addConnectionOptions(command);
  command.addHelpText('after', EXAMPLE).action(async (options: StatusFlags) => {
    const { parseWatchPeriod } = await import('../control/watch-period.js');
    parseWatchPeriod(options.every ?? '5s'); // a bad period, or one under 1 s, is exit 64 before anything runs
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
