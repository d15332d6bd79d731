import type { StatusDoc } from '../../control/status.js';
import { fitLine } from './fit.js';
import { statusLines, type Screen } from './status-layout.js';
import { plainStyle, type Style } from './style.js';

/**
 * One `watch` screen for a terminal of `screen` size: the status lines (status-layout.ts) in
 * `rows - 2` rows, then the footer. Two rows fewer, not one: the footer takes one, and the
 * newline printed after it moves the cursor to the next row, which must still be on the screen
 * or the terminal scrolls the first line (the target) away. Every line at most `columns` wide. Pure.
 */
export function watchPage(doc: StatusDoc, screen: Screen, every: string, style: Style = plainStyle): string[] {
  const rows = Math.max(3, screen.rows);
  const columns = Math.max(20, screen.columns);
  return [...statusLines(doc, { columns, rows: rows - 2 }, style), fitLine(`(refreshing every ${every}; Ctrl-C to stop)`, columns)];
}
