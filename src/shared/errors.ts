import { ExitCode } from './exit-code.js';

/**
 * An error that knows how the process should end. Only the CLI layer turns it into an exit;
 * everything below throws it with a message that says what happened and what to do next.
 */
export class StreamctlError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'StreamctlError';
  }
}

export class UsageError extends StreamctlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.Usage, hint);
    this.name = 'UsageError';
  }
}

export class UnreachableError extends StreamctlError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.CouldNotRun, hint);
    this.name = 'UnreachableError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
