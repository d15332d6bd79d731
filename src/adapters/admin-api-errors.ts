import { ExitCode } from '../shared/exit-code.js';
import { StreamctlError } from '../shared/errors.js';

/** The target answered, but not with what was asked for. `status` lets control tell a refusal (4xx). */
export class AdminApiError extends StreamctlError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
    hint?: string,
  ) {
    super(message, ExitCode.CouldNotRun, hint);
    this.name = 'AdminApiError';
  }
}

/** The `error` or `message` field of an error body, for one-line messages. */
export function bodyError(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const key of ['error', 'message']) if (typeof b[key] === 'string') return b[key] as string;
  }
  return typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body)?.slice(0, 200) ?? '';
}
