import { MAX_CHECK_WINDOW, parseDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import type { ConsistencyOptions } from './run.js';
import { parseAt } from './window.js';

/**
 * `GET /api/consistency?window=1h&grace=2m&at=<RFC 3339>&strict=true` -> options. Throws
 * UsageError (answer 400) on a bad value. Without `at`, serve judges on its own clock.
 */
export function consistencyOptionsFromQuery(params: URLSearchParams): ConsistencyOptions {
  const options: ConsistencyOptions = { clock: 'service' };
  const window = params.get('window');
  const grace = params.get('grace');
  const at = params.get('at');
  const strict = params.get('strict');
  const samples = params.get('samples');
  if (window !== null) options.windowMs = parseDuration(window, 'window', MAX_CHECK_WINDOW);
  if (grace !== null) options.graceMs = parseDuration(grace, 'grace');
  if (at !== null && at !== '') options.atMs = parseAt(at);
  if (strict !== null) options.strict = strict === '' || strict === 'true' || strict === '1';
  if (samples !== null) {
    const n = Number(samples);
    if (!Number.isInteger(n) || n < 0 || n > 100) throw new UsageError('samples must be an integer from 0 to 100');
    options.sampleLimit = n;
  }
  return options;
}

/** The inverse, for the CLI calling a service's endpoint: durations travel as exact milliseconds. */
export function consistencyQueryOf(options: ConsistencyOptions): URLSearchParams {
  const params = new URLSearchParams();
  if (options.windowMs !== undefined) params.set('window', `${options.windowMs}ms`);
  if (options.graceMs !== undefined) params.set('grace', `${options.graceMs}ms`);
  if (options.atMs !== undefined) params.set('at', new Date(options.atMs).toISOString());
  if (options.strict) params.set('strict', 'true');
  if (options.sampleLimit !== undefined) params.set('samples', String(options.sampleLimit));
  return params;
}
