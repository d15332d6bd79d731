/**
 * Plain decimal notation only (`72`, `-3.5`, `36.6`, `1e3`): `Number()` also reads `"0x48"`,
 * `"0b1"` and `"0o7"` as 72, 1 and 7, which the original service refuses; a reading must never
 * change value on its way in.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A reading sent as a number or a decimal string, as a finite number; null for anything else. */
export function decimalValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.length === 0 || text.length > 64 || !DECIMAL.test(text)) return null;
    const parsed = Number(text);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}
