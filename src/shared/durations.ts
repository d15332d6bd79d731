import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** The longest a duration may be, and why: said in the refusal. */
export interface DurationLimit {
  maxMs: number;
  why: string;
}

/**
 * 7 days, for every duration streamctl takes unless a tighter limit applies. A cutover step is
 * watched by one live process holding the target's lease; a step longer than a week is an
 * unattended deployment, not an observation (longer rollouts are steps with `pause: manual`
 * gates, as scenarios/four-week.yaml). Past 24.8 days (2^31-1 ms) Node's timers fire at once,
 * and past 8.64e15 ms there is no Date: issue 18's `observe: 1e13` passed validation, moved the
 * ratio, then died on `Invalid time value`.
 */
export const MAX_DURATION: DurationLimit = {
  maxMs: 7 * 86_400_000,
  why: 'a step longer than a week is an unattended deployment, not an observation; split it into steps with `pause: manual` gates',
};

/**
 * 60 s for one request to the admin API (`--timeout`): the cutover's lease lives 60 s between
 * renewals (renewed every 20 s), so one request allowed longer could let it lapse mid-run.
 */
export const MAX_REQUEST_TIMEOUT: DurationLimit = { maxMs: 60_000, why: 'a request allowed longer than the 60 s lease could let a running cutover lose its lease' };

/**
 * 31 days for a consistency window (`check --window`): the acceptance ledger it is compared with
 * is kept 31 days (LEDGER_TTL_SECONDS, shared/ledger-keys.ts); an older minute has nothing to compare.
 */
export const MAX_CHECK_WINDOW: DurationLimit = { maxMs: 31 * 86_400_000, why: 'the acceptance ledger keeps 31 days; an older window has nothing to compare with' };

/** 60 s per webhook attempt: a receiver slower than that is down, and a run's end waits for its webhooks. */
export const MAX_WEBHOOK_TIMEOUT: DurationLimit = { maxMs: 60_000, why: 'a run\'s end waits for its webhooks; a receiver that needs longer is down' };

/**
 * Parses `250ms`, `30s`, `5m`, `1.5h`, `2d`; a bare number is seconds. Returns milliseconds.
 * Refuses (UsageError, exit 64) anything longer than `limit` (7 days unless said), naming it.
 */
export function parseDuration(text: string, what = 'duration', limit: DurationLimit = MAX_DURATION): number {
  const trimmed = String(text).trim();
  let ms: number;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
    ms = Math.round(Number(trimmed) * 1_000);
  } else {
    const match = DURATION.exec(trimmed);
    if (!match) throw new UsageError(`${what}: "${text}" is not a duration`, 'use a number with a unit, e.g. 30s, 5m, 1h');
    ms = Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
  }
  const problem = durationRangeProblem(ms, limit);
  if (problem) throw new UsageError(`${what}: "${text}" ${problem}`);
  return ms;
}

/** Why `ms` is out of range (`is more than the maximum, 7d: ...`), or null when it is a usable duration. Pure. */
export function durationRangeProblem(ms: number, limit: DurationLimit = MAX_DURATION): string | null {
  if (Number.isFinite(ms) && ms >= 0 && ms <= limit.maxMs) return null;
  return `is more than the maximum, ${formatDuration(limit.maxMs)}: ${limit.why}`;
}

/** `90000` -> `1m30s`; the inverse of parseDuration for whole seconds, for humans. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  let seconds = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60]] as const) {
    if (seconds >= size) {
      parts.push(`${Math.floor(seconds / size)}${unit}`);
      seconds %= size;
    }
  }
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join('');
}
