import { Chalk } from 'chalk';
import Table from 'cli-table3';
import type { ConsistencyDocument } from '../../checks/consistency/document.js';
import type { CheckResult } from '../../checks/consistency/check-result.js';
import { judgedMinutesLine } from './judged-minutes.js';
import { formatDuration } from '../../shared/durations.js';

const MAX_SAMPLES_SHOWN = 3;

function table(head: string[]): Table.Table {
  return new Table({ head, style: { head: [], border: [] } });
}

function sampleLine(sample: unknown): string {
  return JSON.stringify(sample);
}

/** The human report of `check consistency`: what was counted, what is wrong, the verdict last. */
export function renderConsistencyReport(doc: ConsistencyDocument, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const statusColor: Record<CheckResult['status'], (s: string) => string> = { ok: c.green, warn: c.yellow, fail: c.red, inconclusive: c.cyan };
  const lines: string[] = [];
  if (doc.window) {
    lines.push(`window ${doc.window.start} .. ${doc.window.end} (settled: grace ${doc.window.grace_ms / 1000}s before ${doc.window.at}, ${doc.clock} clock)`);
    lines.push(judgedMinutesLine(doc.window));
  }
  if (doc.batch_queue) lines.push(`batch queue: ${doc.batch_queue.queued} record(s) waiting in serve's queue, counted in flight${doc.batch_queue.flush_interval_ms === null ? '' : ` (flushed every ${formatDuration(doc.batch_queue.flush_interval_ms)})`}`);
  lines.push(`sources ${Object.entries(doc.sources).map(([k, v]) => `${k}=${v}`).join(' ')}`);

  if (doc.paths) {
    const byId = (id: string, path: string, kind: string) => doc.checks.find((x) => x.id === id && x.path === path && x.kind === kind);
    const t = table(['path', 'kind', 'accepted', 'persisted', 'in flight', 'dead-lettered', 'missing', 'unexpected', 'dup readings']);
    for (const [path, kinds] of Object.entries(doc.paths)) {
      for (const [kind, counts] of Object.entries(kinds)) {
        const gap = byId('accepted_vs_persisted', path, kind)?.observed ?? {};
        const dup = byId('duplicate_readings', path, kind)?.observed ?? {};
        t.push([path, kind, counts.accepted, counts.persisted, String(gap.in_flight ?? 0), String(gap.dead_lettered ?? 0), String(gap.missing ?? 0), String(gap.unexpected ?? 0), String(dup.groups ?? 0)]);
      }
    }
    lines.push(t.toString());
  }
  if (doc.streams) {
    const t = table(['stream', 'length', 'lag', 'pending', 'oldest idle', 'dead letters', 'trimmed']);
    for (const [stream, s] of Object.entries(doc.streams)) {
      t.push([stream, String(s.length ?? 'absent'), String(s.lag ?? 'unknown'), s.pending, s.oldest_pending_idle_ms === null ? '-' : `${Math.round(s.oldest_pending_idle_ms / 1000)}s`, String(s.dead_letters ?? 0), String(s.trimmed ?? '-')]);
    }
    lines.push(t.toString());
  }
  for (const check of doc.checks.filter((x) => x.status !== 'ok')) {
    const where = [check.path, check.kind ?? check.stream].filter(Boolean).join(' ');
    lines.push(`${statusColor[check.status](check.status.toUpperCase().padEnd(12))} ${check.id}${where ? ` (${where})` : ''}: ${check.message}`);
    for (const sample of (check.samples ?? []).slice(0, MAX_SAMPLES_SHOWN)) lines.push(`             ${sampleLine(sample)}`);
    if ((check.samples?.length ?? 0) > MAX_SAMPLES_SHOWN) lines.push(`             ... ${check.samples!.length - MAX_SAMPLES_SHOWN} more with --json`);
  }
  if (doc.error) {
    lines.push(c.red(`could not check: ${doc.error.message}`));
    if (doc.error.hint) lines.push(`  ${doc.error.hint}`);
  }
  const verdictColor = doc.verdict === 'consistent' ? c.green : doc.verdict === 'inconsistent' || doc.verdict === 'could_not_check' ? c.red : c.cyan;
  lines.push(`${verdictColor(doc.verdict.toUpperCase())} (exit ${doc.exit_code}) - checks: ${doc.summary.ok} ok, ${doc.summary.warn} warn, ${doc.summary.fail} fail, ${doc.summary.inconclusive} inconclusive${doc.strict ? ', --strict' : ''}`);
  return lines.join('\n') + '\n';
}
