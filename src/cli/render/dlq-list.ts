import Table from 'cli-table3';
import type { DeadLetterSummary, DlqOverview, DlqPage } from '../../adapters/dlq-client.js';
import { plainStyle, type Style } from './style.js';

function cut(text: string | null, max: number): string {
  if (!text) return '-';
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function when(iso: string | null): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
}

/** `dlq list`: one row per stream with its dead-letter count and oldest failure. */
export function renderDlqOverview(doc: DlqOverview, style: Style = plainStyle): string {
  const table = new Table({ head: ['stream', 'dead letters', 'oldest failed at', 'oldest reason'], style: { head: [], border: [] } });
  let total = 0;
  for (const [stream, s] of Object.entries(doc.streams)) {
    total += s.dead_letters;
    table.push([stream, s.dead_letters > 0 ? style.warn(String(s.dead_letters)) : String(s.dead_letters), when(s.oldest?.failed_at ?? null), cut(s.oldest?.reason ?? null, 60)]);
  }
  const hint = total > 0 ? '\nsee them with `streamctl dlq list --stream <stream>`' : '';
  return `${table.toString()}\n${total === 0 ? style.ok('no dead letters') : `${total} dead letter(s)`}${hint}`;
}

function row(entry: DeadLetterSummary): string[] {
  return [entry.id, when(entry.failed_at), entry.device_sn ?? '-', String(entry.deliveries ?? '-'), cut(entry.reason, 60)];
}

/** `dlq list --stream S`: one page of dead letters, oldest first, and how to get the next page. */
export function renderDlqPage(page: DlqPage, style: Style = plainStyle): string {
  if (page.entries.length === 0) return `${page.dead_letter_stream}: ${style.ok('no dead letters')}${page.dead_letters > 0 ? ` after this point (${page.dead_letters} in all)` : ''}`;
  const table = new Table({ head: ['id', 'failed at', 'device', 'deliveries', 'reason'], style: { head: [], border: [] } });
  for (const entry of page.entries) table.push(row(entry));
  const lines = [`${page.dead_letter_stream}: ${page.dead_letters} dead letter(s)`, table.toString()];
  if (page.next) lines.push(style.dim(`more: streamctl dlq list --stream ${page.stream} --after ${page.next}`));
  lines.push(style.dim(`details: streamctl dlq show ${page.stream} <id>`));
  return lines.join('\n');
}
