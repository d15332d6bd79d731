import Table from 'cli-table3';
import type { StepSummary } from '../../control/step-summary.js';
import { ms, pct } from './figures.js';
import { plainStyle, type Style } from './style.js';

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
  const table = new Table({
    head: ['step', 'ratio', 'samples', 'worst error rate', 'worst p95', 'verdict'],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push([
      String(row.index + 1),
      row.label,
      row.kind === 'ratio' ? `${row.samples}/${row.plannedSamples}` : '-',
      pct(row.worstErrorRate),
      ms(row.worstP95Ms),
      verdictText(row, style),
    ]);
  }
  return table.toString();
}

/** One line per step, for logs and pipes. */
export function stepLines(rows: StepSummary[]): string[] {
  return rows.map((r) =>
    r.kind === 'ratio'
      ? `step ${r.index + 1} ratio ${r.label}: ${r.verdict}, ${r.samples}/${r.plannedSamples} samples, worst error rate ${pct(r.worstErrorRate)}, worst p95 ${ms(r.worstP95Ms)}`
      : `step ${r.index + 1} ${r.label}: ${r.verdict}`,
  );
}
