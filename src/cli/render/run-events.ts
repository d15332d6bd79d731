import type { Sample } from '../../control/analysis.js';
import type { RunEvent } from '../../control/records.js';
import type { LoadSummary } from '../../ports/load-runner.js';
import { clockTime, ms, pct, ratioText } from './figures.js';
import { plainStyle, type Style } from './style.js';

function sampleText(sample: Sample, style: Style): string {
  const verdict = sample.verdict === 'ok' ? style.ok('ok') : sample.verdict === 'inconclusive' ? style.warn('inconclusive') : style.bad(sample.verdict);
  const f = sample.figures;
  if (!f) return `${verdict}: ${sample.measurements[0]?.message ?? ''}`;
  const worst = sample.measurements.find((m) => m.phase === sample.verdict && sample.verdict !== 'ok');
  return `${verdict}  stream ${f.streamRequests ?? '?'} req, err ${pct(f.errorRate)}, p95 ${ms(f.p95Ms)} | traditional ${f.traditionalRequests ?? '?'} req, p95 ${ms(f.traditionalP95Ms)}${worst ? ` - ${worst.message}` : ''}`;
}

/**
 * `load 199.8/s of 200/s, 4000 sent, 3990 accepted, p95 3.2ms, errors 500:10 (0.25%, failed p95 1.1ms)`:
 * the first p95 is the accepted (2xx) requests' only; the failures' own is shown with the errors.
 */
export function loadText(summary: LoadSummary, style: Style = plainStyle): string {
  const errors = Object.entries(summary.errors);
  const failed = summary.failedLatency && summary.failedLatency.count > 0 ? `, failed p95 ${ms(summary.failedLatency.p95Ms)}` : '';
  const errorText = errors.length === 0 ? 'no errors' : `errors ${errors.map(([k, v]) => `${k}:${v}`).join(', ')} (${pct(summary.errorRate * 100)}${failed})`;
  const head = `load ${summary.achievedRate}/s of ${summary.targetRate}/s, ${summary.sent} sent, ${summary.ok} accepted, p95 ${ms(summary.p95Ms)}, `;
  if (summary.error !== undefined) return style.bad(`load failed: ${summary.error}`);
  return `${head}${errors.length === 0 ? errorText : style.warn(errorText)}${summary.stoppedEarly ? ' (stopped early)' : ''}`;
}

/** One human line per event, or null for events not worth a line (progress, routine decisions). */
export function eventLine(event: RunEvent, style: Style = plainStyle): string | null {
  const t = style.dim(clockTime(event.at));
  switch (event.type) {
    case 'run_started':
      return `${t} run ${event.runId} started: "${event.plan.name}", ${event.plan.steps.length} steps against ${event.target}`;
    case 'resumed':
      return `${t} resumed by ${event.holder}`;
    case 'precheck':
      return event.skipped ? `${t} ${style.warn('health pre-check skipped')}` : `${t} health: ${event.healthy ? style.ok(event.status) : style.bad(event.status)}`;
    case 'start_ratio':
      return `${t} starting ratio ${ratioText(event.ratio)}`;
    case 'ratio_set':
      return `${t} step ${event.index + 1}: ratio ${event.old ?? '?'} -> ${event.requested}, reads back ${event.readBack}`;
    case 'step_started':
      return `${t} step ${event.index + 1}: observing ratio ${event.ratio}, ${event.samples} samples`;
    case 'load_started':
      return `${t} step ${event.index + 1}: load ${event.load.rate}/s on ${event.load.endpoint ?? '/upload_health_data_v2'} (up to ${Math.round(event.load.durationMs / 100) / 10}s)`;
    case 'load_stopped':
      return `${t} step ${event.index + 1}: ${loadText(event.summary, style)}`;
    case 'sample':
      return `${t} step ${event.index + 1} sample ${event.n}: ${sampleText(event.sample, style)}`;
    case 'decision':
      return event.action === 'continue' ? null : `${t} ${style.bad('decision')} ${event.action}: ${event.reason}`;
    case 'gate':
      return `${t} step ${event.index + 1} ${event.gate} gate: ${event.result}${event.summary ? ` (${event.summary})` : ''}`;
    case 'step_passed':
      return `${t} step ${event.index + 1}: ${style.ok('passed')}`;
    case 'step_not_passed':
      return `${t} ${style.warn(event.reason)}`;
    case 'rollback':
      return event.verified
        ? `${t} ${style.bad('ROLLED BACK')}: ratio verified ${event.ratioAfter}`
        : `${t} ${style.alarm(`ROLLBACK NOT VERIFIED: ratio reads ${event.ratioAfter ?? 'nothing'}${event.error ? ` (${event.error})` : ''}`)}`;
    case 'restore':
      return event.verified
        ? `${t} ratio restored to ${event.ratio}`
        : `${t} ${style.alarm(`RESTORING RATIO ${event.ratio} FAILED: reads ${event.ratioAfter ?? 'nothing'}${event.error ? ` (${event.error})` : ''}`)}`;
    case 'warning':
      return `${t} ${style.warn('warning')}: ${event.message}`;
    case 'run_ended':
      return `${t} run ended: ${event.outcome} (exit ${event.exitCode}): ${event.reason}`;
    case 'waiting':
      return null;
    case 'journal_fault':
      return `${t} ${style.alarm(`JOURNAL NOT WRITTEN: ${event.message}; the run stops and puts the traffic back without it`)}`;
  }
}

/** The spinner's text: where the run is and the latest figures. */
export function spinnerText(step: string, until: number | null, now: number, latest: Sample | null): string {
  const left = until === null ? '' : `, next sample in ${Math.max(0, Math.ceil((until - now) / 1000))}s`;
  const f = latest?.figures;
  const figures = f ? ` | last: ${latest!.verdict}, err ${pct(f.errorRate)}, p95 ${ms(f.p95Ms)}, ${f.streamRequests ?? '?'} req` : '';
  return `${step}${left}${figures}`;
}
