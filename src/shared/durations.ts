import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses `250ms`, `30s`, `5m`, `1.5h`, `2d`; a bare number is seconds. Returns milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = String(text).trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1_000);
  const match = DURATION.exec(trimmed);
  if (!match) throw new UsageError(`${what}: "${text}" is not a duration`, 'use a number with a unit, e.g. 30s, 5m, 1h');
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
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
