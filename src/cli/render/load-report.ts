import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { LoadProgress } from '../../checks/load/engine.js';
import type { LoadReport } from '../../checks/load/report.js';

const v = (x: number | null) => (x === null ? '-' : String(x));

/** One progress line for stderr (redrawn with \r on a TTY). */
export function renderLoadProgress(p: LoadProgress, width = 30): string {
  const share = Math.min(1, p.elapsedMs / Math.max(1, p.durationMs));
  const filled = Math.round(share * width);
  const rate = p.elapsedMs > 0 ? Math.round((p.sent * 1000) / p.elapsedMs) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}% sent ${p.sent} (${rate}/s) answered ${p.answered} failed ${p.failed} 2xx p95 ${p.p95Ms === null ? '-' : `${Math.round(p.p95Ms)}ms`}`;
}

export function renderLoadReport(r: LoadReport, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const lines: string[] = [];
  lines.push(`load ${r.target} ${r.endpoints.map((e) => `${e.path}${r.endpoints.length > 1 ? `:${e.weight}` : ''}`).join(', ')} for ${r.duration_ms / 1000}s at ${r.target_rate}/s (open loop)`);
  const t = new Table({ head: ['sent', 'answered', '2xx', 'achieved/s', 'error rate'], style: { head: [], border: [] } });
  t.push([r.sent, r.answered, r.ok, r.achieved_rate, `${Math.round(r.error_rate * 10_000) / 100}%`]);
  lines.push(t.toString());
  // Apart: a target failing most requests at once would otherwise show their speed as its latency.
  const latency = new Table({ head: ['latency', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], style: { head: [], border: [] } });
  for (const [label, s] of [['2xx', r.latency_ms.ok], ['failed', r.latency_ms.failed]] as const) {
    latency.push([label, s.count, v(s.p50), v(s.p95), v(s.p99), v(s.max)]);
  }
  lines.push(latency.toString());
  if (Object.keys(r.errors).length > 0) lines.push(`errors: ${Object.entries(r.errors).map(([k, n]) => `${k}=${n}`).join(' ')}`);
  if (r.dropped > 0) lines.push(c.yellow(`${r.dropped} requests not sent: the client backlog was full`));
  lines.push('latency is measured from each request\'s scheduled send time, so queueing behind a slow server counts');
  const color = r.exit_code === 0 ? c.green : r.exit_code === 3 ? c.cyan : c.red;
  lines.push(`${color(r.exit_code === 0 ? 'DONE' : r.exit_code === 3 ? 'INCONCLUSIVE' : 'FAILED')} (exit ${r.exit_code}) - ${r.message}`);
  return lines.join('\n') + '\n';
}
