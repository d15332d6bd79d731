import Table from 'cli-table3';
import type { Section, StatusDoc } from '../../control/status.js';
import type { PathMetrics } from '../../ports/metrics-source.js';
import { ms, pct, ratioText } from './figures.js';
import { plainStyle, type Style } from './style.js';

function failed<T>(s: Section<T>, style: Style): string | null {
  return s.ok ? null : style.bad(`unavailable (${s.error})`);
}

function metricsRow(name: string, p: PathMetrics): string[] {
  return [name, String(p.requests ?? '?'), String(Math.round(p.qps * 10) / 10), ms(p.avgMs), ms(p.p95Ms), ms(p.p99Ms), pct(p.errorRate), String(p.errors ?? '?')];
}

/** `status` for people: health, ratio, both paths, streams with backlog, recent audit, the latest run. */
export function renderStatus(doc: StatusDoc, style: Style = plainStyle): string {
  const lines: string[] = [`target  ${doc.target}   (${doc.at})`];
  const h = doc.health;
  lines.push(`health  ${failed(h, style) ?? (h.ok && h.value.healthy ? style.ok(h.value.status) : style.bad(h.ok ? h.value.status : ''))}${h.ok && h.value.service ? `   service: ${h.value.service}` : ''}`);
  lines.push(`ratio   ${failed(doc.ratio, style) ?? (doc.ratio.ok ? ratioText(doc.ratio.value) : '')} of uploads go to the stream path`);

  if (doc.metrics.ok) {
    const m = doc.metrics.value;
    const table = new Table({ head: ['path', 'requests', 'qps', 'avg', 'p95', 'p99', 'error rate', 'errors'], style: { head: [], border: [] } });
    table.push(metricsRow('stream', m.stream), metricsRow('traditional', m.traditional));
    lines.push(`metrics (${m.windowSeconds === null ? 'cumulative since start' : `last ${m.windowSeconds}s`})`, table.toString());
  } else {
    lines.push(`metrics ${failed(doc.metrics, style)}`);
  }

  if (doc.streams.ok) {
    const s = doc.streams.value;
    const hasBacklog = s.streams.some((x) => x.backlog);
    const head = ['stream', 'group', 'length', ...(hasBacklog ? ['lag', 'pending', 'oldest pending', 'dead letters', 'trimmed unconsumed'] : [])];
    const table = new Table({ head, style: { head: [], border: [] } });
    for (const x of s.streams) {
      const b = x.backlog;
      table.push([x.name, x.consumerGroup ?? '-', String(x.length), ...(hasBacklog ? [
        b?.lag === null || b?.lag === undefined ? '-' : String(b.lag), String(b?.pending ?? '-'), ms(b?.oldestPendingMs),
        b && b.deadLetters > 0 ? style.warn(String(b.deadLetters)) : String(b?.deadLetters ?? '-'),
        b && b.trimmedUnconsumed > 0 ? style.bad(String(b.trimmedUnconsumed)) : String(b?.trimmedUnconsumed ?? '-'),
      ] : [])]);
    }
    lines.push(`streams (produced ${s.messagesProduced ?? '-'}, consumed ${s.messagesConsumed ?? '-'}, errors ${s.errors ?? '-'})`, table.toString());
  } else {
    lines.push(`streams ${failed(doc.streams, style)}`);
  }

  if (doc.audit.ok && doc.audit.value && doc.audit.value.length > 0) {
    lines.push('recent changes');
    for (const e of doc.audit.value) {
      lines.push(`  ${e.time}  ${e.action} ${e.old ?? '?'} -> ${e.new ?? '?'}${e.who ? `  by ${e.who}` : ''}${e.from ? ` from ${e.from}` : ''}${e.reason ? `  "${e.reason}"` : ''}`);
    }
  }

  const run = doc.latestRun;
  if (run) {
    const outcome = run.outcome === 'completed' ? style.ok(run.outcome) : run.exitCode === 1 || run.exitCode === 2 ? style.bad(run.outcome) : style.warn(run.outcome);
    lines.push(`latest run  ${run.runId} ("${run.scenario}", started ${run.startedAt}, step ${run.step}/${run.steps}): ${outcome}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`);
    lines.push(`  ${run.reason}`);
  } else {
    lines.push('latest run  none in this data dir');
  }
  return lines.join('\n');
}
