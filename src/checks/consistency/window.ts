import { UsageError } from '../../shared/errors.js';

const MINUTE_MS = 60_000;

/** A settled window on the server's clock: [startMs, endMs), both on whole minutes. */
export interface SettledWindow {
  startMs: number;
  endMs: number;
  /** The instant judged from ("now" on the server's clock unless --at was given). */
  atMs: number;
  graceMs: number;
}

/**
 * The window ends `grace` before `at` and is aligned down to a whole minute, because the
 * acceptance ledger counts per server minute: a window that cut a minute in two could not be
 * compared with the ledger exactly. The length is rounded up to whole minutes (at least one).
 */
export function settleWindow(atMs: number, windowMs: number, graceMs: number): SettledWindow {
  if (!Number.isFinite(atMs)) throw new UsageError('--at is not a valid time');
  if (!(windowMs > 0)) throw new UsageError('--window must be longer than 0');
  if (!(graceMs >= 0)) throw new UsageError('--grace must not be negative');
  const endMs = Math.floor((atMs - graceMs) / MINUTE_MS) * MINUTE_MS;
  const minutes = Math.max(1, Math.ceil(windowMs / MINUTE_MS));
  return { startMs: endMs - minutes * MINUTE_MS, endMs, atMs, graceMs };
}

/** Unix minutes covered by the window, oldest first. */
export function windowMinutes(window: SettledWindow): number[] {
  const minutes: number[] = [];
  for (let ms = window.startMs; ms < window.endMs; ms += MINUTE_MS) minutes.push(ms / MINUTE_MS);
  return minutes;
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2024-05-01T12:03` — the minute prefix of an ISO create_time, as SQL `substr(create_time, 1, 16)` gives it. */
export function minuteLabel(minute: number): string {
  return isoOf(minute * MINUTE_MS).slice(0, 16);
}

export function minuteOfLabel(label: string): number {
  return Date.parse(`${label}:00.000Z`) / MINUTE_MS;
}

/**
 * `--at` accepts RFC 3339 (`2024-05-01T12:00:00Z`), unix seconds or unix milliseconds. A time
 * without a zone is refused rather than read in the local zone of whoever runs cron.
 */
export function parseAt(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    return value > 1e11 ? value : value * 1000;
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    throw new UsageError(`--at "${text}" has no time zone`, 'write it in RFC 3339 UTC, e.g. 2024-05-01T12:00:00Z');
  }
  const ms = Date.parse(trimmed);
  if (!Number.isFinite(ms)) throw new UsageError(`--at "${text}" is not a time`, 'write it in RFC 3339 UTC, e.g. 2024-05-01T12:00:00Z');
  return ms;
}
