import type { Sample } from '../../control/analysis.js';
import type { Plan } from '../../control/plan.js';
import { runProgress, upcomingSteps, type RunProgress } from '../../control/progress.js';
import type { RunEvent } from '../../control/records.js';
import { planSize, shortStepName, stepName } from '../../control/step-names.js';
import { formatDuration } from '../../shared/durations.js';
import type { LoadSummary } from '../../ports/load-runner.js';
import { clockTime, ms, pct, ratioText } from './figures.js';
import { plainStyle, type Style } from './style.js';

function sampleText(sample: Sample, style: Style): string {
  const verdict = sample.verdict === 'ok' ? style.ok('ok') : sample.verdict === 'inconclusive' ? style.warn('inconclusive') : style.bad(sample.verdict);
  const f = sample.figures;
  if (!f) return `${verdict}: ${sample.measurements[0]?.message ?? ''}`;
  const worst = sample.measurements.find((m) => m.phase === sample.verdict && sample.verdict !== 'ok');
  // What span the figures are: the interval since the previous read (issue 11), or the service's window.
  const span = f.intervalSeconds != null ? ` in ${Math.round(f.intervalSeconds * 10) / 10}s` : f.windowSeconds != null ? ` in the ${f.windowSeconds}s window` : '';
  const p95 = f.p95Span === 'since_start' ? 'p95 since start' : 'p95';
  const notes = sample.notes.filter((n) => !n.startsWith('p95_ratio not judged'));
  return `${verdict}  stream ${f.streamRequests ?? '?'} req${span}, err ${pct(f.errorRate)}, ${p95} ${ms(f.p95Ms)} | traditional ${f.traditionalRequests ?? '?'} req, ${p95} ${f.traditionalRequests === 0 && f.p95Span !== 'since_start' ? '-' : ms(f.traditionalP95Ms)}${worst ? ` - ${worst.message}` : ''}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
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

/**
 * What event lines need beyond the event: the plan, to name steps and gates (step-names.ts), and
 * the run's start (wall ms, its `run_started` record) with the step a re-entry returns to, for
 * the elapsed time and ETA. Without a plan, positions are `step <index + 1>`.
 */
export interface EventContext {
  plan?: Pick<Plan, 'steps'>;
  startedAtMs?: number;
  /** A re-entered step returns the run here once it passed (resume_point's `then`). */
  then?: number | null;
}

/** `elapsed 5m10s, about 10m left (+1 gate)`. */
export function progressText(p: RunProgress): string {
  const gates = p.gatesLeft > 0 ? ` (+${p.gatesLeft} gate${p.gatesLeft === 1 ? '' : 's'})` : '';
  // Whole seconds: `0ms left` or `elapsed 137ms` would be precision nobody asked for.
  const secs = (ms: number) => (ms < 1_000 ? '0s' : formatDuration(ms));
  return `elapsed ${secs(p.elapsedMs)}, about ${secs(p.remainingMs)} left${gates}`;
}

function nameOf(ctx: EventContext, index: number, long = false): string {
  if (!ctx.plan) return `step ${index + 1}`;
  return long ? stepName(ctx.plan, index) : shortStepName(ctx.plan, index);
}

/** Elapsed and ETA at `at` with `upcoming` steps still to go (the first not started yet); '' without a plan or start. */
function progressAt(ctx: EventContext, at: string, upcoming: (plan: Pick<Plan, 'steps'>) => number[]): string {
  if (!ctx.plan || ctx.startedAtMs === undefined) return '';
  return `; ${progressText(runProgress(ctx.plan, upcoming(ctx.plan), Date.parse(at) - ctx.startedAtMs))}`;
}

/** The steps after `index` passed: back where a re-entry returns, else the next one on. */
function after(ctx: EventContext, index: number): (plan: Pick<Plan, 'steps'>) => number[] {
  const then = ctx.then ?? null;
  return (plan) => upcomingSteps(plan, then !== null && index < then ? then : index + 1);
}

/** One human line per event, or null for events not worth a line (progress, routine decisions). */
export function eventLine(event: RunEvent, style: Style = plainStyle, context: EventContext = {}): string | null {
  const t = style.dim(clockTime(event.at));
  const ctx: EventContext = event.type === 'run_started' ? { ...context, plan: context.plan ?? event.plan } : context;
  switch (event.type) {
    case 'run_started':
      return `${t} run ${event.runId} started: "${event.plan.name}", ${planSize(event.plan)} against ${event.target}`;
    case 'resumed':
      return `${t} resumed by ${event.holder}`;
    case 'precheck':
      return event.skipped ? `${t} ${style.warn('health pre-check skipped')}` : `${t} health: ${event.healthy ? style.ok(event.status) : style.bad(event.status)}`;
    case 'start_ratio':
      return `${t} starting ratio ${ratioText(event.ratio)}`;
    case 'resume_point':
      return `${t} resuming at ${event.reason}`;
    case 'ratio_set':
      return `${t} ${nameOf(ctx, event.index)}: ratio ${event.old ?? '?'} -> ${event.requested}, reads back ${event.readBack}`;
    case 'step_started':
      return `${t} ${nameOf(ctx, event.index)}: observing ratio ${event.ratio}, ${event.samples} samples${progressAt(ctx, event.at, (plan) => upcomingSteps(plan, event.index, ctx.then ?? null))}`;
    case 'load_started':
      return `${t} ${nameOf(ctx, event.index)}: load ${event.load.rate}/s on ${event.load.endpoint ?? '/upload_health_data_v2'} (up to ${Math.round(event.load.durationMs / 100) / 10}s)`;
    case 'load_stopped':
      return `${t} ${nameOf(ctx, event.index)}: ${loadText(event.summary, style)}`;
    case 'sample':
      return `${t} ${nameOf(ctx, event.index)} sample ${event.n}: ${sampleText(event.sample, style)}`;
    case 'decision':
      return event.action === 'continue' ? null : `${t} ${style.bad('decision')} ${event.action}: ${event.reason}`;
    case 'gate': {
      const name = ctx.plan ? stepName(ctx.plan, event.index) : `step ${event.index + 1} ${event.gate} gate`;
      return `${t} ${name}: ${event.result === 'waiting' ? style.warn('waiting') : event.result}${event.summary ? ` (${event.summary})` : ''}`;
    }
    case 'step_passed':
      return `${t} ${nameOf(ctx, event.index)}: ${style.ok('passed')}${progressAt(ctx, event.at, after(ctx, event.index))}`;
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
    case 'run_ended': {
      const took = ctx.startedAtMs === undefined ? '' : ` after ${formatDuration(Math.max(0, Date.parse(event.at) - ctx.startedAtMs))}`;
      return `${t} run ended: ${event.outcome} (exit ${event.exitCode})${took}: ${event.reason}`;
    }
    case 'waiting':
      return null;
    case 'journal_fault':
      return `${t} ${style.alarm(`JOURNAL NOT WRITTEN: ${event.message}; the run stops and puts the traffic back without it`)}`;
  }
}

/** The spinner's text: where the run is, the latest figures, and the whole run's elapsed time and ETA (`progress`). */
export function spinnerText(step: string, until: number | null, now: number, latest: Sample | null, progress = ''): string {
  const left = until === null ? '' : `, next sample in ${Math.max(0, Math.ceil((until - now) / 1000))}s`;
  const f = latest?.figures;
  const figures = f ? ` | last: ${latest!.verdict}, err ${pct(f.errorRate)}, p95 ${ms(f.p95Ms)}, ${f.streamRequests ?? '?'} req` : '';
  return `${step}${left}${figures}${progress ? ` | ${progress}` : ''}`;
}
