import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { RollbackFlags } from '../control/rollback-action.js';

const EXAMPLE = `
Example:
  $ streamctl rollback --reason "p95 spike on dashboard" --target http://10.0.0.5:5225
  Calls POST /api/emergency_rollback, then reads the ratio back (and sets it to 0 directly
  if the endpoint did not). Asks nothing: this is the one-click rollback.

Exit codes: 0 the ratio reads 0, 2 it does not (or the service is unreachable).`;

export function defineRollback(program: Command): void {
  const command = program
    .command('rollback')
    .description('Emergency rollback: all uploads back to the traditional path, verified.')
    .option('--reason <text>', 'recorded in the service audit log')
    .option('--json', 'print the result as JSON');
  addConnectionOptions(command, false);
  command.addHelpText('after', EXAMPLE).action(async (options: RollbackFlags) => {
    const { rollbackAction } = await import('../control/rollback-action.js');
    process.exitCode = await rollbackAction({ ...options, dataDir: '' }, processIo());
  });
}
