/**
 * Fitting text to a terminal: widths are counted in visible characters, without the ANSI colour
 * codes a Style adds (`\x1b[32m...\x1b[39m`). Every character counts as one column (the views
 * print ASCII plus what the service sends). Pure.
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleWidth(text: string): string['length'] {
  return text.replace(ANSI, '').length;
}

/**
 * The line cut to `columns` visible characters, ending in `~` when cut. A cut line loses its
 * colours: cutting between an ANSI start and its reset would colour the rest of the screen.
 */
export function fitLine(text: string, columns: number): string {
  if (visibleWidth(text) <= columns) return text;
  const plain = text.replace(ANSI, '');
  return columns <= 1 ? plain.slice(0, Math.max(0, columns)) : `${plain.slice(0, columns - 1)}~`;
}

/** Left-aligned in `width` visible columns (never cut). */
export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

/** Right-aligned in `width` visible columns (never cut). */
export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleWidth(text))) + text;
}

/**
 * `items` joined by `separator` into as few lines as fit `columns`: the first line starts with
 * `first`, the next ones with `indent` spaces and the separator. An item wider than a line gets a line of its own
 * (and is cut by fitLine where it is printed).
 */
export function wrapItems(first: string, items: readonly string[], separator: string, columns: number, indent: number): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const item of items) {
    const candidate = empty ? line + item : line + separator + item;
    if (!empty && visibleWidth(candidate) > columns) {
      // The separator opens the next line, so a full line never gets pushed past the edge by it.
      lines.push(line);
      line = ' '.repeat(indent) + separator.trimStart() + item;
    } else {
      line = candidate;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}
