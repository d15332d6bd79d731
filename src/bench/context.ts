/** What every section gets: the configuration, the resource registry and a progress log. */
import type { BenchConfig } from './args.js';
import type { Resources } from './resources.js';

export interface BenchContext {
  config: BenchConfig;
  resources: Resources;
  /** Progress on stderr. */
  log(message: string): void;
  /** Remarks for the report (what could not be measured, what was adapted). */
  note(message: string): void;
  /** Set when the harness is interrupted: sections stop starting new runs. */
  signal: AbortSignal;
}

export function checkAborted(ctx: BenchContext): void {
  if (ctx.signal.aborted) throw new Error('interrupted');
}
