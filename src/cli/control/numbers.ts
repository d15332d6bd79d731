import { UsageError } from '../../shared/errors.js';

/** A flag's number, strictly: `abc`, `NaN`, `1e309` and negatives are usage errors (exit 64). */
export function numberFlag(text: string | undefined, flag: string, options: { integer?: boolean; min?: number; positive?: boolean } = {}): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = String(text).trim();
  const value = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isFinite(value)) throw new UsageError(`${flag}: "${text}" is not a number`);
  if (options.integer && !Number.isInteger(value)) throw new UsageError(`${flag}: "${text}" must be a whole number`);
  if (options.positive && value <= 0) throw new UsageError(`${flag}: must be more than 0`);
  if (options.min !== undefined && value < options.min) throw new UsageError(`${flag}: must be at least ${options.min}`);
  return value;
}
