import { performance } from 'node:perf_hooks';
import ora, { type Ora } from 'ora';
import type { Sample } from '../../control/analysis.js';
import type { RunEvent } from '../../control/records.js';
import { eventLine, spinnerText } from '../render/run-events.js';
import type { Style } from '../render/style.js';
import type { Io } from './io.js';

export type ViewMode = 'json' | 'tty' | 'plain';

/**
 * Shows a run as it happens. json: every event as a JSON line on stdout. plain: one line per
 * event on stdout. tty: an ora spinner on stderr (step, time to the next sample, latest
 * figures) with event lines printed above it.
 */
export class RunView {
  private spinner: Ora | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private step = 'starting';
  /** When the next sample is due, performance.now() ms. */
  private until: number | null = null;
  private latest: Sample | null = null;
  private steps = 0;

  constructor(private readonly io: Io, readonly mode: ViewMode, private readonly style: Style) {}

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
      this.io.out(JSON.stringify(event));
      return;
    }
    this.track(event);
    const line = eventLine(event, this.style);
    if (line === null) return;
    if (this.mode === 'plain') {
      this.io.out(line);
      return;
    }
    this.spinner?.clear();
    this.io.err(line);
    this.refresh();
  };

  private track(event: RunEvent): void {
    switch (event.type) {
      case 'run_started': this.steps = event.plan.steps.length; break;
      case 'step_started': this.step = `step ${event.index + 1}/${this.steps || '?'}: ratio ${event.ratio}`; this.latest = null; break;
      // The countdown runs on the monotonic clock: a wall-clock step must not freeze or skip it.
      case 'waiting': this.until = performance.now() + event.inMs; this.step = this.step.replace(/ \(sample .*$/, '') + ` (sample ${event.sample}/${event.of})`; break;
      case 'sample': this.latest = event.sample; this.until = null; break;
      case 'gate': this.step = `step ${event.index + 1}/${this.steps || '?'}: ${event.gate} gate`; break;
      case 'rollback': this.step = 'rolling back'; break;
    }
  }

  private refresh(): void {
    if (!this.spinner) return;
    this.spinner.text = spinnerText(this.step, this.until, performance.now(), this.latest);
    this.spinner.render();
  }

  /** Stops drawing while a prompt owns the terminal. */
  pause(): void {
    this.spinner?.stop();
  }

  resume(): void {
    this.spinner?.start();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.spinner?.stop();
    this.spinner = undefined;
  }
}
