/** Markdown building blocks for the bench report: numbers, median [min–max] spreads, tables. Pure. */
import type { Spread } from './stats.js';

export function fmtNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const d = digits > 0 ? digits : abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: d });
}

/** `median [min–max]`, or just the value for a single run. */
export function fmtSpread(s: Spread | undefined, digits = 0): string {
  if (!s || s.median === null) return '–';
  if (s.n <= 1 || s.min === s.max) return fmtNumber(s.median, digits);
  return `${fmtNumber(s.median, digits)} [${fmtNumber(s.min, digits)}–${fmtNumber(s.max, digits)}]`;
}

export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
