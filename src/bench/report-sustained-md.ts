/**
 * Section 3 of bench/results/*.md: the sustained rate into each database side by side (one
 * column per database, with its server version and durability settings), then each database's
 * runs. A database that was not measured shows the reason, never a figure. Pure.
 */
import { fmtNumber, fmtSpread, table } from './md-format.js';
import { DATABASE_LABELS, type BenchReport, type SustainedDatabase, type SustainedSection } from './types.js';

/** The databases of a report; a report from before sustained_databases had SQLite only. */
export function sustainedDatabases(report: BenchReport): SustainedDatabase[] {
  if (report.sustained_databases) return report.sustained_databases;
  if (report.sustained) return [{ database: 'sqlite', version: null, settings: null, not_measured: null, section: report.sustained }];
  return [];
}

/** `**15,000** (confirmed over 60 s runs)`, `none`, or `not measured: <why>`. */
export function rateCell(entry: SustainedDatabase): string {
  if (entry.not_measured !== null || !entry.section) return `not measured: ${cell(entry.not_measured ?? 'no result')}`;
  const s = entry.section;
  if (s.highest_flat_rate === null) return `none (not even ${fmtNumber(s.rates[0])}/s was flat)`;
  return `**${fmtNumber(s.highest_flat_rate)}**${s.confirmed ? ` (confirmed over ${s.confirm_duration_s} s runs)` : ' (NOT confirmed by the longer runs)'}`;
}

/** Table cells cannot hold a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function runsTable(s: SustainedSection): string {
  return table(['phase', 'rate/s', 's', 'achieved/s', 'errors %', 'backlog end', 'growth/s', 'e2e p50 ms', 'e2e p99 ms', 'http p99 ms', 'serve CPU %', 'redis CPU %', 'database CPU %', 'verdict'],
    s.runs.map((r) => [r.phase, fmtNumber(r.target_rate), String(r.duration_s), fmtNumber(r.achieved_rate), fmtNumber(r.error_rate * 100, 2), fmtNumber(r.end_backlog), fmtNumber(r.growth_per_s), fmtNumber(r.e2e_p50_ms, 1), fmtNumber(r.e2e_p99_ms, 1), fmtNumber(r.http_p99_ms, 1), fmtNumber(r.usage.cpu_pct), fmtNumber(r.usage.redis_cpu_pct), fmtNumber(r.db_cpu_pct ?? null), r.ok ? 'flat' : r.reason]));
}

export function renderSustained(report: BenchReport): string[] {
  const entries = sustainedDatabases(report);
  if (entries.length === 0) return [];
  const labels = entries.map((e) => DATABASE_LABELS[e.database]);
  const out: string[] = ['', `## 3. Sustained end-to-end into ${labels.length > 1 ? `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}` : labels[0]}`, ''];
  out.push('Highest rate serve persists with a flat backlog, each database searched in turn by the same method on the same machine (one server running at a time). ' +
    'At that rate (confirm runs, median [min–max]):');
  out.push('');
  const at = (pick: (s: SustainedSection) => string) => entries.map((e) => (e.section && e.not_measured === null && e.section.highest_flat_rate !== null ? pick(e.section) : '–'));
  out.push(table(['', ...labels], [
    ['server', ...entries.map((e) => cell(e.version ?? '–'))],
    ['durability', ...entries.map((e) => cell(e.settings ?? '–'))],
    ['highest flat rate, records/s', ...entries.map(rateCell)],
    ['achieved/s', ...at((s) => fmtSpread(s.summary.achieved_rate))],
    ['end-to-end p50 ms', ...at((s) => fmtSpread(s.summary.e2e_p50_ms))],
    ['end-to-end p99 ms', ...at((s) => fmtSpread(s.summary.e2e_p99_ms))],
    ['backlog at the end', ...at((s) => fmtSpread(s.summary.end_backlog))],
  ]));
  for (const entry of entries) {
    if (!entry.section) continue;
    out.push('', `### ${entry.version ?? DATABASE_LABELS[entry.database]}`, '', runsTable(entry.section));
  }
  const method = entries.find((e) => e.section)?.section?.method;
  if (method) out.push('', `Method: ${method}`);
  return out;
}
