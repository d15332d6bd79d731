import { performance } from 'node:perf_hooks';
import ora, { type Ora } from 'ora';
import type { Sample } from '../../control/analysis.js';
import type { Plan } from '../../control/plan.js';
import { runProgress, upcomingSteps } from '../../control/progress.js';
import type { RunEvent } from '../../control/records.js';
import { stepNumber } from '../../control/step-names.js';
import { eventLine, progressText, spinnerText, type EventContext } from '../render/run-events.js';
import type { Style } from '../render/style.js';
import type { Io } from './io.js';
import { jsonDocument } from '../render/snake-json.js';

export type ViewMode = 'json' | 'tty' | 'plain';

/**
 * Shows a run as it happens. json: every event as a JSON line on stdout. plain: one line per
 * event on stdout. tty: an ora spinner on stderr (step, time to the next sample, latest
 * figures, elapsed time and ETA of the whole run) with event lines printed above it.
 *
 * `plan`: the plan being run (names steps and gates, sizes the ETA); `startedAtMs`: wall ms of the
 * run's `run_started` record when resuming (a new run takes it from that record as it comes).
 */
export class RunView {
  private spinner: Ora | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private step = 'starting';
  /** When the next sample is due, performance.now() ms. */
  private until: number | null = null;
  private latest: Sample | null = null;
  /** While a prompt owns the terminal nothing is drawn, not even by the ticker (issue 11: a stale spinner went on turning under the gate). */
  private paused = false;
  private readonly context: EventContext;
  /** performance.now() at the run's start (derived from its wall time once, then monotonic). */
  private startPerf: number | undefined;
  /** The plan index in flight and, for a ratio step, performance.now() when its observation started. */
  private at: { index: number; observingSince: number | null } | null = null;

  constructor(private readonly io: Io, readonly mode: ViewMode, private readonly style: Style, options: { plan?: Plan; startedAtMs?: number } = {}) {
    this.context = { ...(options.plan ? { plan: options.plan } : {}), then: null };
    if (options.startedAtMs !== undefined) this.setStart(options.startedAtMs);
  }

  start(text: string): void {
    if (this.mode !== 'tty') return;
    this.step = text;
    this.spinner = ora({ text, stream: process.stderr, discardStdin: false }).start();
    // Time left changes every second even when nothing happens.
    this.ticker = setInterval(() => this.refresh(), 1_000);
    this.ticker.unref();
  }

  onEvent = (event: RunEvent): void => {
    if (this.mode === 'json') {
      this.io.out(jsonDocument(event));
      return;
    }
    this.track(event);
    const line = eventLine(event, this.style, this.context);
    if (line === null) return;
    if (this.mode === 'plain') {
      this.io.out(line);
      return;
    }
    this.spinner?.clear();
    this.io.err(line);
    this.refresh();
  };

  private setStart(wallMs: number): void {
    this.context.startedAtMs = wallMs;
    this.startPerf = performance.now() - Math.max(0, Date.now() - wallMs);
  }

  private label(index: number, what: string): string {
    const plan = this.context.plan;
    if (!plan) return `step ${index + 1}: ${what}`;
    const { kind, n } = stepNumber(plan, index);
    const of = plan.steps.filter((s) => (s.kind === 'ratio') === (kind === 'step')).length;
    return `${kind} ${n}/${of}: ${what}`;
  }

  private track(event: RunEvent): void {
    switch (event.type) {
      case 'run_started':
        this.context.plan ??= event.plan;
        if (this.context.startedAtMs === undefined) this.setStart(Date.parse(event.at));
        break;
      case 'resume_point': this.context.then = event.then; this.at = { index: event.index, observingSince: null }; break;
      case 'step_started':
        this.step = this.label(event.index, `ratio ${event.ratio}`);
        this.latest = null;
        this.at = { index: event.index, observingSince: performance.now() };
        break;
      // The countdown runs on the monotonic clock: a wall-clock step must not freeze or skip it.
      case 'waiting': this.until = performance.now() + event.inMs; this.step = this.step.replace(/ \(sample .*$/, '') + ` (sample ${event.sample}/${event.of})`; break;
      case 'sample': this.latest = event.sample; this.until = null; break;
      case 'gate':
        this.step = this.label(event.index, `${event.gate}${event.result === 'waiting' ? ', paused' : ''}`);
        this.at = { index: event.index, observingSince: null };
        break;
      case 'step_passed': {
        const then = this.context.then ?? null;
        if (then !== null && event.index < then) this.context.then = null;
        this.at = { index: then !== null && event.index < then ? then : event.index + 1, observingSince: null };
        break;
      }
      case 'rollback': this.step = 'rolling back'; break;
    }
  }

  /** `elapsed 5m, about 10m left`, or '' before the run's start is known. */
  private progress(): string {
    const plan = this.context.plan;
    if (!plan || this.startPerf === undefined) return '';
    const now = performance.now();
    const upcoming = this.at ? upcomingSteps(plan, this.at.index, this.context.then ?? null) : upcomingSteps(plan, 0);
    const inStep = this.at?.observingSince != null ? now - this.at.observingSince : 0;
    return progressText(runProgress(plan, upcoming, now - this.startPerf, inStep));
  }

  private refresh(): void {
    if (!this.spinner || this.paused) return;
    this.spinner.text = spinnerText(this.step, this.until, performance.now(), this.latest, this.progress());
    this.spinner.render();
  }

  /** Stops drawing while a prompt owns the terminal. */
  pause(): void {
    this.paused = true;
    this.spinner?.stop();
  }

  resume(): void {
    this.paused = false;
    this.spinner?.start();
    this.refresh();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.spinner?.stop();
    this.spinner = undefined;
  }
}
