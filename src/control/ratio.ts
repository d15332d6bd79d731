import { UsageError } from '../shared/errors.js';

/**
 * Parses a traffic ratio strictly: a decimal number in [0, 1]. `NaN`, `0x1`, `1e0`, `''`,
 * `50%` and `0.3abc` are refused before anything is sent (the original accepts any JSON type).
 */
export function parseRatio(text: string, what = 'ratio'): number {
  const trimmed = String(text).trim();
  if (!/^(?:0|1|0?\.\d+|[01]\.\d+)$/.test(trimmed)) {
    throw new UsageError(`${what}: "${text}" is not a number between 0 and 1`, 'write it as a decimal, e.g. 0.3 for 30 %');
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(`${what}: ${trimmed} is outside [0, 1]`, 'write it as a decimal, e.g. 0.3 for 30 %');
  }
  return value;
}

/** `0.3,0.6,1.0` -> [0.3, 0.6, 1]; every element validated like `parseRatio`. */
export function parseRatioList(text: string, what = '--steps'): number[] {
  const parts = String(text).split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new UsageError(`${what}: give at least one ratio, e.g. 0.3,0.6,1.0`);
  return parts.map((part, i) => parseRatio(part, `${what}[${i}]`));
}

/** Ratios are compared with a tolerance: the service may round-trip 0.3 as 0.30000000000000004. */
export function sameRatio(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
