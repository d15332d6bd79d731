import type { LatestRun, Section, StatusDoc } from '../../control/status.js';
import type { PathMetrics } from '../../ports/metrics-source.js';
import { clockTime, ms, pct, ratioText } from './figures.js';
import { fitLine, padEnd, padStart, wrapItems } from './fit.js';
import { formatDuration } from '../../shared/durations.js';
import { progressText } from './run-events.js';
import { plainStyle, type Style } from './style.js';

/** The terminal the lines go to: columns wide, rows high (Infinity: scrolling output, no limit). */
export interface Screen {
  columns: number;
  rows: number;
}

/** What a terminal that does not say its size (a pipe, a file) is taken to be: 80 columns, no height limit. */
export const DEFAULT_SCREEN: Screen = { columns: 80, rows: Infinity };

function failed<T>(s: Section<T>, style: Style): string | null {
  return s.ok ? null : style.bad(`unavailable (${s.error})`);
}

function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value);
}

/** A row of right-aligned cells after a left-aligned name: the narrow tables of the screen. */
function row(name: string, nameWidth: number, cells: readonly string[], widths: readonly number[]): string {
  return `  ${padEnd(name, nameWidth)}${cells.map((cell, i) => padStart(cell, widths[i]!)).join('')}`;
}

/** 78 columns: path 12, req/s 8, error rate 11, p95 9, p99 9, avg 9, requests 10, errors 8. */
const METRIC_WIDTHS = [8, 11, 9, 9, 9, 10, 8];

function metricsCells(p: PathMetrics, style: Style): string[] {
  const errorRate = p.errorRate !== null && p.errorRate > 0 ? style.warn(pct(p.errorRate)) : pct(p.errorRate);
  return [String(Math.round(p.qps * 10) / 10), errorRate, ms(p.p95Ms), ms(p.p99Ms), ms(p.avgMs), count(p.requests), count(p.errors)];
}

function metricsLines(doc: StatusDoc, style: Style): string[] {
  if (!doc.metrics.ok) return [`metrics ${failed(doc.metrics, style)}`];
  const m = doc.metrics.value;
  return [
    `metrics (${m.windowSeconds === null ? 'cumulative since start' : `last ${m.windowSeconds}s`})`,
    row('path', 12, ['req/s', 'error rate', 'p95', 'p99', 'avg', 'requests', 'errors'], METRIC_WIDTHS),
    row('stream', 12, metricsCells(m.stream, style), METRIC_WIDTHS),
    row('traditional', 12, metricsCells(m.traditional, style), METRIC_WIDTHS),
  ];
}

/** 76 columns: stream 20, length 9, lag 8, pending 9, oldest 9, dead letters 13, trimmed 8. */
const BACKLOG_WIDTHS = [9, 8, 9, 9, 13, 8];

function backlogLines(doc: StatusDoc, style: Style): string[] {
  if (!doc.streams.ok) return [`backlog ${failed(doc.streams, style)}`];
  const s = doc.streams.value;
  const lines = [
    `backlog (produced ${count(s.messagesProduced)}, consumed ${count(s.messagesConsumed)}, errors ${count(s.errors)})`,
    row('stream', 20, ['length', 'lag', 'pending', 'oldest', 'dead letters', 'trimmed'], BACKLOG_WIDTHS),
  ];
  for (const x of s.streams) {
    const b = x.backlog;
    lines.push(row(x.name, 20, [
      String(x.length), b ? count(b.lag) : '-', b ? String(b.pending) : '-', b ? ms(b.oldestPendingMs) : '-',
      !b ? '-' : b.deadLetters > 0 ? style.warn(String(b.deadLetters)) : String(b.deadLetters),
      !b ? '-' : b.trimmedUnconsumed > 0 ? style.bad(String(b.trimmedUnconsumed)) : String(b.trimmedUnconsumed),
    ], BACKLOG_WIDTHS));
  }
  return lines;
}

function stepText(mark: LatestRun['stepList'][number], style: Style): string {
  const name = mark.kind === 'ratio' ? mark.label : mark.kind === 'check' ? 'consistency gate' : mark.label;
  const verdict = mark.verdict === 'not run' ? '' : ` ${mark.verdict}`;
  const text = `${name}${verdict}`;
  if (mark.verdict === 'passed') return style.ok(text);
  if (mark.verdict === 'breached' || mark.verdict === 'error') return style.bad(text);
  if (mark.verdict === 'running' || mark.verdict === 'waiting') return style.bold(text);
  if (mark.verdict === 'inconclusive' || mark.verdict === 'aborted') return style.warn(text);
  return text;
}

/**
 * The latest run: which, its state, the step list in plan order with how far each got, and why it
 * ended (or what to do if nothing runs it). Fields other helpers add to LatestRun (paused,
 * elapsed, ETA) go on the state line or a line of their own here.
 */
function runLines(run: LatestRun | null, style: Style, columns: number): string[] {
  if (!run) return ['latest run  none in this data dir'];
  const outcome = run.outcome === 'completed' ? style.ok(run.outcome) : run.exitCode === 1 || run.exitCode === 2 ? style.bad(run.outcome) : style.warn(run.outcome);
  const lines = [`latest run  ${run.runId} ("${run.scenario}"): ${outcome}${run.exitCode !== null ? ` (exit ${run.exitCode})` : ''}`];
  const marks = run.stepList ?? [];
  if (marks.length > 0) lines.push(...wrapItems('  steps  ', marks.map((m) => stepText(m, style)), ' > ', columns, 9));
  // Where and how long first: a narrow screen cuts the start time at the end, not the ETA.
  lines.push(`  at ${run.position ?? `step ${run.step}/${run.steps}`}${runTiming(run)}; started ${run.startedAt}`, `  ${run.reason}`);
  return lines;
}

/** `, elapsed 5m, about 10m left (+1 gate)` while it runs, `, took 15m` once ended (progress.ts figures). */
function runTiming(run: LatestRun): string {
  if (run.elapsedMs === undefined) return '';
  if (run.remainingMs === null) return `, took ${formatDuration(run.elapsedMs)}`;
  return `, ${progressText({ elapsedMs: run.elapsedMs, remainingMs: run.remainingMs, gatesLeft: run.gatesLeft })}`;
}

function auditLines(doc: StatusDoc): string[] {
  if (!doc.audit.ok || !doc.audit.value || doc.audit.value.length === 0) return [];
  return ['recent changes', ...doc.audit.value.map((e) =>
    // The reason before who and where: at 80 columns the end of the line is what gets cut.
    `  ${clockTime(e.time)}  ${e.action} ${e.old ?? '?'} -> ${e.new ?? '?'}${e.reason ? `  "${e.reason}"` : ''}${e.who ? `  by ${e.who}` : ''}${e.from ? ` from ${e.from}` : ''}`)];
}

/**
 * `status` and `watch` as lines that fit `screen` (issue 11: in 80x24 the 120-column streams
 * table wrapped into fragments and health, ratio and metrics scrolled off the top).
 * First, always, in this order: target and time, health, ratio, per-path rate, error rate and
 * p95 (metrics table, 78 columns), backlog per stream (76 columns), the latest run's state and
 * step list: 16 lines for three streams and a short plan, so they fit 24 rows with room to spare.
 * Then, while rows are left, the recent ratio changes (cut with "... N more" when they do not
 * all fit). Every line is cut to `screen.columns`; when even the essentials are taller than the
 * screen, the last row says how many lines were left out. Pure.
 */
export function statusLines(doc: StatusDoc, screen: Screen = DEFAULT_SCREEN, style: Style = plainStyle): string[] {
  const columns = Math.max(20, screen.columns);
  const h = doc.health;
  const essentials = [
    `target  ${doc.target}   at ${clockTime(doc.at)} UTC`,
    `health  ${failed(h, style) ?? (h.ok && h.value.healthy ? style.ok(h.value.status) : style.bad(h.ok ? h.value.status : ''))}${h.ok && h.value.service ? `   service: ${h.value.service}` : ''}`,
    // On a bad day the reason is the line that matters: every problem the service names.
    ...(h.ok && h.value.problems ? h.value.problems.map((problem) => `  ${style.bad('!')} ${problem}`) : []),
    `ratio   ${failed(doc.ratio, style) ?? (doc.ratio.ok ? ratioText(doc.ratio.value) : '')} of uploads go to the stream path`,
    ...metricsLines(doc, style),
    ...backlogLines(doc, style),
    ...runLines(doc.latestRun, style, columns),
  ];
  const rows = Math.max(1, screen.rows);
  if (essentials.length > rows) {
    const kept = essentials.slice(0, rows - 1);
    return [...kept, `... ${essentials.length - kept.length} more lines: make the terminal taller`].map((line) => fitLine(line, columns));
  }
  const lines = [...essentials];
  const audit = auditLines(doc);
  const room = rows - lines.length;
  if (audit.length <= room) lines.push(...audit);
  else if (room >= 2) lines.push(...audit.slice(0, room - 1), `  ... ${audit.length - (room - 1)} more with --json`);
  return lines.map((line) => fitLine(line, columns));
}
