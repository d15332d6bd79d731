/** Renders a BenchReport as Markdown (bench/results/latest.md). Pure. */
import { fmtNumber, fmtSpread, table } from './md-format.js';
import { renderSustained } from './report-sustained-md.js';
import type { Spread } from './stats.js';
import type { BenchReport, LoadSummary } from './types.js';

export { fmtNumber, fmtSpread } from './md-format.js';

function loadRows(columns: LoadSummary[]): string[][] {
  const row = (label: string, pick: (s: LoadSummary) => Spread, digits = 0) => [label, ...columns.map((c) => fmtSpread(pick(c), digits))];
  return [
    row('requests/s', (s) => s.rps),
    row('p50 ms', (s) => s.p50_ms, 2),
    row('p95 ms', (s) => s.p95_ms, 2),
    row('p99 ms', (s) => s.p99_ms, 2),
    row('max ms', (s) => s.max_ms, 1),
    row('errors (non-2xx + socket)', (s) => s.errors),
    row('server RSS max MB', (s) => s.rss_max_mb),
    row('server CPU % of one core', (s) => s.cpu_pct),
    row('redis-server CPU %', (s) => s.redis_cpu_pct),
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(`# streamctl benchmark, ${report.started_at.slice(0, 10)} (${report.mode})`);
  out.push('');
  out.push(`Machine: ${m.cores} cores (${m.cpu_model}), ${m.memory_gb} GB, Linux ${m.kernel}; Node ${m.node}, Redis ${m.redis}, wrk ${m.wrk}; open-file hard limit ${m.nofile_hard}. ` +
    `Started ${report.started_at}, finished ${report.finished_at}; load average at start ${m.loadavg_at_start}.`);
  out.push('');
  out.push(`Command: \`npm run bench${report.argv.length ? ` -- ${report.argv.join(' ')}` : ''}\`. Each figure is the median of ${report.runs} run(s), with the spread [min–max] over them; ratios are paired run by run. Latencies are wrk's (closed loop, from each request's send).`);
  out.push('');
  out.push('## Targets (issue 6)');
  out.push('');
  out.push(table(['target', 'measured', 'verdict', 'by how much'], report.targets.map((t) => [t.target, `${fmtNumber(t.value, t.unit === 'x' ? 2 : 0)} ${t.unit}`, `**${t.status}**`, t.margin])));
  if (report.failures.length > 0) {
    out.push('');
    out.push('Sections that failed: ' + report.failures.map((f) => `${f.section} (${f.error.split('\n')[0]})`).join('; '));
  }

  if (report.ingest) {
    const s = report.ingest;
    out.push('', '## 1. Ingest: `POST /upload_health_data_v2`', '');
    out.push(`wrk -t${s.threads}, ${s.duration_s} s per run after a warm-up, the spec's health payload with a distinct device serial per request (bench/lua/upload.lua). ` +
      '(a) bare `node:http` server (reads the body, JSON.parse, answers the same JSON); (b) `streamctl serve` with its embedded Redis (AOF everysec) and its consumers persisting into SQLite as deployed (backlog cap raised so the 503 guard stays out of a 10 s burst).');
    for (const level of s.levels) {
      out.push('', `### ${fmtNumber(level.connections)} connections: serve/bare = ${fmtSpread(level.ratio, 2)}`, '');
      out.push(table(['', 'bare node:http', 'streamctl serve'], loadRows([level.bare, level.serve])));
      const consumed = s.runs.filter((r) => r.target === 'serve' && r.connections === level.connections).map((r) => r.consumed_during_run ?? 0);
      if (consumed.length > 0) out.push('', `Entries serve's consumers persisted during the measured window: ${consumed.map((c) => fmtNumber(c)).join(', ')}.`);
    }
  }

  if (report.concurrency) {
    const c = report.concurrency;
    out.push('', `## 2. Concurrency: ${fmtNumber(c.connections)} keep-alive connections for ${c.duration_s} s at ${fmtNumber(c.rate)} requests/s`, '');
    out.push(table(['', 'streamctl serve'], [...loadRows([c.summary]), ['server open fds max', fmtSpread(c.summary.fds_max)], ['s until serve held them all', fmtSpread(c.summary.connected_after_s, 1)]]));
    const details = c.runs.map((r) => `run ${r.run}: ${JSON.stringify(r.wrk.error_detail)}`).join('; ');
    out.push('', `${c.note}. wrk error counters: ${details}.`);
  }

  out.push(...renderSustained(report));

  if (report.drain) {
    const d = report.drain;
    out.push('', `## 4. Drain: ${fmtNumber(d.entries)} entries`, '');
    out.push(`serve: **${fmtSpread(d.summary.serve_rate)} rows/s** (${d.consumers} consumer, COUNT ${d.consumer_batch}); raw XREADGROUP COUNT 500 + XACK on the same Redis, no database: ${fmtSpread(d.summary.raw_rate)} entries/s; ratio **${fmtSpread(d.summary.ratio, 2)}**. Filling the stream (pipelined XADD) ran at ${fmtSpread(d.summary.fill_rate)}/s.`);
    out.push('');
    out.push(table(['run', 'fill/s', 'raw/s', 'serve rows', 'serve s', 'serve rows/s', 'ratio'], d.runs.map((r) => [String(r.run), fmtNumber(r.fill_rate), fmtNumber(r.raw_rate), fmtNumber(r.serve_rows), fmtNumber(r.serve_s, 2), fmtNumber(r.serve_rate), fmtNumber(r.ratio, 2)])));
  }

  if (report.routing) {
    const r = report.routing;
    out.push('', `## 5. Routing: \`POST /upload_health_data\` at ratio ${r.ratio}, ${r.connections} connections, ${r.duration_s} s`, '');
    out.push(table(['', 'streamctl serve'], [...loadRows([r.summary]), ['share routed to the stream path', fmtSpread(r.summary.stream_share, 3)]]));
  }

  if (report.rollback) {
    const r = report.rollback;
    out.push('', '## 6. Rollback time (two instances, one Redis)', '');
    out.push(`From sending \`POST /api/emergency_rollback\` to one instance until both read ratio 0 (polled every ${r.poll_ms} ms): **${fmtSpread(r.summary.both_zero_ms, 1)} ms**; ` +
      `the other instance alone ${fmtSpread(r.summary.other_zero_ms, 1)} ms; the call answered in ${fmtSpread(r.summary.call_ms, 1)} ms. Runs: ${r.runs.map((x) => fmtNumber(x.both_zero_ms, 1)).join(', ')} ms.`);
  }

  if (report.profile) {
    const p = report.profile;
    out.push('', '## Profile hints: serve, top self time', '');
    out.push(`${p.during}; ${fmtNumber(p.total_ms)} ms of non-idle samples; self % is of those.`, "");
    out.push(table(['function', 'where', 'self ms', 'self %'], p.top.map((e) => [`\`${e.function}\``, e.location, fmtNumber(e.self_ms), fmtNumber(e.self_pct, 1)])));
  }

  if (report.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const note of report.notes) out.push(`- ${note}`);
  }
  out.push('');
  return out.join('\n');
}
