import { formatDuration, parseDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';

/**
 * Shortest `watch --every`: 1 s. Each refresh reads five admin endpoints and the journal; `0s`
 * (accepted before issue 11) redrew in a busy loop, hammering the service being migrated.
 */
export const MIN_WATCH_PERIOD_MS = 1_000;

/** `--every` in ms; UsageError (exit 64) for a bad duration or one below 1 s. */
export function parseWatchPeriod(text: string): number {
  const ms = parseDuration(text, '--every');
  if (ms < MIN_WATCH_PERIOD_MS) {
    throw new UsageError(`--every ${text} is shorter than ${formatDuration(MIN_WATCH_PERIOD_MS)}: each refresh reads the service's admin API`, 'use --every 1s or more (default 5s)');
  }
  return ms;
}
