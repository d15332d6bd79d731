import { Command, CommanderError } from 'commander';
import { StreamctlError, errorMessage } from '../shared/errors.js';
import { ExitCode } from './exit-codes.js';
import { commandDefinitions } from './commands/index.js';
import { guardOutputStreams } from './output-streams.js';

export function buildProgram(): Command {
  const program = new Command('streamctl')
    .description('Move live telemetry ingest from an in-memory batch queue to Redis Streams without losing a record.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage and an example)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const define of commandDefinitions) define(program);
  return program;
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.Ok;
    return ExitCode.Usage;
  }
  if (error instanceof StreamctlError) return error.exitCode;
  return ExitCode.CouldNotRun;
}

/** The only place that exits: actions return an exit code or throw a StreamctlError. */
export async function main(argv: string[]): Promise<void> {
  // `streamctl status --json | head` closes the pipe early; that is the reader's choice, not an
  // error, and never a reason to skip a safety action (serve's drain, a cutover's restore).
  guardOutputStreams();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    process.exitCode ??= ExitCode.Ok;
  } catch (error) {
    const code = exitCodeFor(error);
    if (!(error instanceof CommanderError)) {
      process.stderr.write(`streamctl: ${errorMessage(error)}\n`);
      if (error instanceof StreamctlError && error.hint) process.stderr.write(`  ${error.hint}\n`);
      if (!(error instanceof StreamctlError) && process.env.STREAMCTL_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    }
    process.exitCode = code;
  }
}
