import type { Command } from 'commander';
import { addConnectionOptions } from '../control/connection.js';
import { processIo } from '../control/io.js';
import type { RatioFlags } from '../control/ratio-action.js';

const EXAMPLE = `
Example:
  $ streamctl ratio
  0.3 (30% of uploads use the stream path)
  $ streamctl ratio set 0.3 --reason "day 18"
  ratio 0.1 -> 0.3 (30%), read back 0.3

The value is checked before anything is sent: it must be a decimal in [0, 1]
(NaN, 30%, "abc", 1.5 are refused with exit 64). Prefer \`streamctl cutover\` for
changes that should be watched.

Exit codes: 0 done (and read back equal), 2 unreachable or read back different, 64 bad value.`;

export function defineRatio(program: Command): void {
  // Options live on the subcommands only: on the parent, `ratio set 0.3 --target X` would
  // hand --target to the parent and send the change to the default target.
  const ratio = program.command('ratio').description('Show or set the share of uploads routed to the stream path.').addHelpText('after', EXAMPLE);
  const show = ratio.command('show', { isDefault: true }).description('Show the current ratio (the default).').option('--json', 'print JSON');
  addConnectionOptions(show, false);
  show.addHelpText('after', EXAMPLE).action(async (options: RatioFlags) => {
    const { showRatioAction } = await import('../control/ratio-action.js');
    process.exitCode = await showRatioAction({ ...options, dataDir: '' }, processIo());
  });

  const set = ratio
    .command('set')
    .description('Set the ratio (0..1), then read it back.')
    .argument('<ratio>', 'a decimal in [0, 1], e.g. 0.3')
    .option('--reason <text>', 'recorded in the service audit log')
    .option('--json', 'print JSON');
  addConnectionOptions(set, false);
  set.addHelpText('after', EXAMPLE).action(async (value: string, options: RatioFlags) => {
    const { setRatioAction } = await import('../control/ratio-action.js');
    process.exitCode = await setRatioAction(value, { ...options, dataDir: '' }, processIo());
  });
}
