import { Option, type Command } from 'commander';
import { AdminApiClient } from '../../adapters/admin-api-client.js';
import { DEFAULT_DATA_DIR } from '../../adapters/file-journal.js';
import { normaliseTarget } from '../../adapters/http-json.js';
import { parseDuration } from '../../shared/durations.js';

export const DEFAULT_TARGET = 'http://127.0.0.1:5225';

export interface ConnectionFlags {
  target: string;
  token?: string;
  dataDir: string;
  timeout: string;
}

/** --target/--token with their environment twins, --data-dir, --timeout. */
export function addConnectionOptions(command: Command, withDataDir = true): Command {
  command
    .addOption(new Option('--target <url>', 'admin API of the service').env('STREAMCTL_TARGET').default(DEFAULT_TARGET))
    .addOption(new Option('--token <token>', 'bearer token for the admin API').env('STREAMCTL_TOKEN'))
    .addOption(new Option('--timeout <duration>', 'per-request timeout').default('5s'));
  if (withDataDir) command.addOption(new Option('--data-dir <dir>', 'journal and lock files').env('STREAMCTL_DATA_DIR').default(DEFAULT_DATA_DIR));
  return command;
}

/** True when the user chose the target (flag or env), rather than the built-in default. */
export function targetChosen(command: Command): boolean {
  const source = command.getOptionValueSource('target');
  return source === 'cli' || source === 'env';
}

export function clientFor(flags: ConnectionFlags, target = flags.target): AdminApiClient {
  return new AdminApiClient({
    target: normaliseTarget(target),
    ...(flags.token ? { token: flags.token } : {}),
    timeoutMs: parseDuration(flags.timeout, '--timeout'),
  });
}
