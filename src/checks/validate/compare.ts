import { COMPARED_FIELDS, type ComparedColumn } from './samples.js';

export interface FieldDifference {
  column: string;
  expected: unknown;
  actual: unknown;
  /** Which stored row differs: the old path's, the new path's, or the two from each other. */
  side: 'old' | 'new' | 'between';
}

/**
 * Equal within a tolerance relative to the larger magnitude, but never tighter than absolute
 * `tolerance` near zero: 36.5 stored as REAL and read back as 36.50000000000001 is equal at 1e-6.
 */
export function nearlyEqual(a: number, b: number, tolerance: number): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

function asNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

const COLUMNS = Object.values(COMPARED_FIELDS) as ComparedColumn[];

/** Differences between what was sent and one stored row. */
export function compareWithExpected(expected: Record<ComparedColumn, number>, row: Record<string, unknown>, side: 'old' | 'new', tolerance: number): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const column of COLUMNS) {
    const actual = asNumber(row[column]);
    if (actual === null || !nearlyEqual(expected[column], actual, tolerance)) out.push({ column, expected: expected[column], actual: row[column] ?? null, side });
  }
  return out;
}

/** Differences between the two stored rows, including the device time and serial. */
export function compareRows(oldRow: Record<string, unknown>, newRow: Record<string, unknown>, tolerance: number): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const column of ['device_sn', 'timestamp'] as const) {
    if (oldRow[column] !== newRow[column]) out.push({ column, expected: oldRow[column], actual: newRow[column], side: 'between' });
  }
  for (const column of COLUMNS) {
    const a = asNumber(oldRow[column]);
    const b = asNumber(newRow[column]);
    if (a === null && b === null) continue;
    if (a === null || b === null || !nearlyEqual(a, b, tolerance)) out.push({ column, expected: oldRow[column] ?? null, actual: newRow[column] ?? null, side: 'between' });
  }
  return out;
}
