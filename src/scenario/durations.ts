import { durationRangeProblem, MAX_DURATION, parseDuration, type DurationLimit } from '../shared/durations.js';
import type { ScenarioIssue } from './issues.js';

/**
 * A duration field to ms, or an issue at `path` (numbers are seconds, as on the command line).
 * Out of range (past `limit`, 7 days unless said) is an issue naming the maximum and why.
 */
export function durationAt(value: string | number | undefined, path: string, issues: ScenarioIssue[], limit: DurationLimit = MAX_DURATION): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? Math.round(value * 1_000) : parseText(value);
  if (ms === undefined) {
    issues.push({ path, message: `"${value}" is not a duration; use e.g. 30s, 5m, 1h` });
    return undefined;
  }
  const problem = durationRangeProblem(ms, limit);
  if (problem) {
    issues.push({ path, message: `${value}${typeof value === 'number' ? 's' : ''} ${problem}` });
    return undefined;
  }
  return ms;
}

/** The text's length in ms, range not checked (durationAt does, with its own message). */
function parseText(text: string): number | undefined {
  try {
    return parseDuration(text, 'duration', { maxMs: Number.POSITIVE_INFINITY, why: '' });
  } catch {
    return undefined;
  }
}
