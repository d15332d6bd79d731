import { parseDuration } from '../shared/durations.js';
import type { ScenarioIssue } from './issues.js';

/** A duration field to ms, or an issue at `path` (numbers are seconds, as on the command line). */
export function durationAt(value: string | number | undefined, path: string, issues: ScenarioIssue[]): number | undefined {
  if (value === undefined) return undefined;
  try {
    return typeof value === 'number' ? Math.round(value * 1_000) : parseDuration(value);
  } catch {
    issues.push({ path, message: `"${value}" is not a duration; use e.g. 30s, 5m, 1h` });
    return undefined;
  }
}
