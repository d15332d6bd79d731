import { readFileSync } from 'node:fs';

/** One row of `docs/compatibility.md`'s table of deliberate differences. */
export interface CompatibilityRow {
  id: string;
  request: string;
  original: string;
  streamctl: string;
  /** The differences as `contractDifferences()` words them, joined by `; `. */
  difference: string;
  why: string;
}

const HEADER = ['case', 'request', 'original', 'streamctl', 'difference', 'why'];

function cells(line: string): string[] {
  // Cells are split on pipes not escaped as `\|`; backticks are kept verbatim.
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

function unquote(cell: string): string {
  return cell.replace(/^`(.*)`$/, '$1');
}

/**
 * Reads the table whose header is `| case | request | original | streamctl | difference | why |`.
 * Throws when the header is missing or a case appears twice, so a broken document fails loudly.
 */
export function readCompatibilityTable(path: string): Map<string, CompatibilityRow> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim().startsWith('|') && cells(line).map((c) => c.toLowerCase()).join(',') === HEADER.join(','));
  if (start < 0) throw new Error(`${path}: no table with the columns ${HEADER.join(', ')}`);
  const rows = new Map<string, CompatibilityRow>();
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    const [id, request, original, streamctl, difference, why] = cells(line).map(unquote);
    if (!id) continue;
    if (rows.has(id)) throw new Error(`${path}: case ${id} is listed twice`);
    rows.set(id, { id, request: request!, original: original!, streamctl: streamctl!, difference: difference!, why: why! });
  }
  return rows;
}

/** A table row in the document's format, for a failing test to show what to write. */
export function formatCompatibilityRow(row: CompatibilityRow): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return `| ${row.id} | \`${cell(row.request)}\` | ${cell(row.original)} | ${cell(row.streamctl)} | \`${cell(row.difference)}\` | ${cell(row.why)} |`;
}
