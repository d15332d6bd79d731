import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { ValidationReport } from '../../checks/validate/report.js';

const ms = (v: number | null) => (v === null ? '-' : `${v}`);

/** The human report of `validate`: counts per class, latency per side, the named examples, the verdict. */
export function renderValidationReport(report: ValidationReport, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  lines.push(`validate ${report.target} run ${report.run_id}: ${report.samples} samples at ${report.rate}/s (devices STREAM_TEST_${report.run_id}_*)`);
  const counts = new Table({ head: Object.keys(report.counts), style: { head: [], border: [] } });
  counts.push(Object.values(report.counts));
  lines.push(counts.toString());
  const latency = new Table({ head: ['endpoint', 'accepted', 'batch path', 'stream path', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], style: { head: [], border: [] } });
  for (const [side, s, p] of [['old /upload_health_data', report.latency_ms.old, report.paths.old], ['new /upload_health_data_v2', report.latency_ms.new, report.paths.new]] as const) {
    latency.push([side, s.count, p.traditional, p.stream, ms(s.p50), ms(s.p95), ms(s.p99), ms(s.max)]);
  }
  lines.push(latency.toString());
  for (const e of report.examples) lines.push(`${c.yellow(e.class.padEnd(14))} #${e.index} ${e.deviceSn} @ ${e.deviceTime}: ${e.detail}`);
  const color = report.exit_code === 0 ? c.green : report.exit_code === 3 ? c.cyan : c.red;
  lines.push(`${color(report.verdict.toUpperCase())} (exit ${report.exit_code}) - ${report.message}`);
  return lines.join('\n') + '\n';
}
