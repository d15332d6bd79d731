import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { StatusFlags } from '../control/status-action.js';

const EXAMPLE = `
Example:
  $ streamctl status --target http://10.0.0.5:5225
  Shows health, the ratio, both paths' metrics, streams (with backlog, pending and dead
  letters on streamctl serve), recent ratio changes, and the latest run in --data-dir
  with why it ended.
  $ streamctl status --json | jq .ratio

Exit codes: 0 the service answered, 2 it is unreachable.`;

export function defineStatus(program: Command): void {
  const command = program.command('status').description('Health, ratio, metrics, backlog and the latest run.').option('--json', 'print one JSON document');
  addConnectionOptions(command);
  command.addHelpText('after', EXAMPLE).action(async (options: StatusFlags) => {
    const { statusAction } = await import('../control/status-action.js');
    process.exitCode = await statusAction(options, processIo());
  });
}
