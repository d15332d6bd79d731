import { formatDuration } from '../../shared/durations.js';

const MINUTE_MS = 60_000;

/** `2024-05-01T12:03:00.000Z` -> `2024-05-01 12:03` (UTC). */
function minuteText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * Which minutes a `check consistency` window judged, and when the first minute it left out will
 * be judged, so "did my last upload land?" has an answer: the window is whole server minutes
 * [start, end) (checks/consistency/window.ts), so an upload at or after `end` is in none of them
 * until `at - grace` passes the end of its minute. Input: the document's RFC 3339 `start`/`end`
 * and `grace_ms`. Pure.
 *
 * e.g. `minutes judged: 2024-05-01 11:00 .. 11:59 UTC (60); accepted at 12:00:00Z or later: judged from 12:03:00Z (--grace 2m)`
 */
export function judgedMinutesLine(window: { start: string; end: string; grace_ms: number }): string {
  const startMs = Date.parse(window.start);
  const endMs = Date.parse(window.end);
  const minutes = Math.round((endMs - startMs) / MINUTE_MS);
  const last = minuteText(endMs - MINUTE_MS);
  const first = minuteText(startMs);
  const lastShown = first.slice(0, 10) === last.slice(0, 10) ? last.slice(11) : last;
  const nextJudgedAt = new Date(endMs + MINUTE_MS + window.grace_ms).toISOString().replace('.000Z', 'Z');
  return `minutes judged: ${first} .. ${lastShown} UTC (${minutes}); accepted at ${window.end.replace('.000Z', 'Z')} or later: judged from ${nextJudgedAt} on (--grace ${formatDuration(window.grace_ms)})`;
}
