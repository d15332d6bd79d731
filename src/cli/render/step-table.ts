import Table from 'cli-table3';
import type { StepSummary } from '../../control/step-summary.js';
import type { LoadSummary } from '../../ports/load-runner.js';
import { ms, pct } from './figures.js';
import { loadText } from './run-events.js';
import { plainStyle, type Style } from './style.js';

/** `gate 1`, `step 2`; rows made without a plan fall back to their position. */
function nameOf(row: StepSummary): string {
  return row.name ?? `step ${row.index + 1}`;
}

function verdictText(row: StepSummary, style: Style): string {
  switch (row.verdict) {
    case 'passed': return style.ok('passed');
    case 'breached': case 'error': return style.bad(row.verdict);
    case 'inconclusive': case 'waiting': case 'aborted': case 'skipped': return style.warn(row.verdict);
    default: return style.dim(row.verdict);
  }
}

/** The final per-step table: ratio, samples, worst error rate, worst p95, verdict. */
export function stepTable(rows: StepSummary[], style: Style = plainStyle): string {
  // A load column only when a step ran `load:` (rehearsals); ordinary cutovers keep six columns.
  const withLoad = rows.some((r) => r.load !== undefined);
  const table = new Table({
    head: ['step', 'ratio', 'samples', 'worst error rate', 'worst p95', 'verdict', ...(withLoad ? ['load (accepted/s, p95)'] : [])],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push([
      nameOf(row),
      row.label,
      row.kind === 'ratio' ? `${row.samples}/${row.plannedSamples}` : '-',
      pct(row.worstErrorRate),
      ms(row.worstP95Ms),
      verdictText(row, style),
      ...(withLoad ? [row.load ? loadCell(row.load) : '-'] : []),
    ]);
  }
  return table.toString();
}

function loadCell(load: LoadSummary): string {
  if (load.error !== undefined) return 'failed';
  return `${load.achievedRate}/${load.targetRate}/s, ${ms(load.p95Ms)}${load.errorRate > 0 ? `, ${pct(load.errorRate * 100)} err` : ''}`;
}

/** One line per step, for logs and pipes. */
export function stepLines(rows: StepSummary[]): string[] {
  return rows.map((r) =>
    r.kind === 'ratio'
      ? `${nameOf(r)} ratio ${r.label}: ${r.verdict}, ${r.samples}/${r.plannedSamples} samples, worst error rate ${pct(r.worstErrorRate)}, worst p95 ${ms(r.worstP95Ms)}${r.load ? `; ${loadText(r.load)}` : ''}`
      : `${nameOf(r)} ${r.label}: ${r.verdict}`,
  );
}
