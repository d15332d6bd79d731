import { Chalk } from 'chalk';
import type { Style } from '../render/style.js';
import { plainStyle } from '../render/style.js';
import { jsonDocument } from '../render/snake-json.js';

/** Where a command writes and what it may assume about the terminal; tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdoutTTY: boolean;
  stderrTTY: boolean;
  stdinTTY: boolean;
  env: Record<string, string | undefined>;
  /** The terminal's size when stdout is one (process.stdout.columns/rows, read at each use: a resize shows at the next refresh). */
  readonly columns?: number | undefined;
  readonly rows?: number | undefined;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
    stdoutTTY: process.stdout.isTTY === true,
    // A pty with 0 columns (some CI runners, `script` without a terminal) makes ora's line
    // arithmetic divide by zero and clear lines forever: treat it as no TTY.
    stderrTTY: process.stderr.isTTY === true && (process.stderr.columns ?? 0) > 0,
    stdinTTY: process.stdin.isTTY === true,
    env: process.env,
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined;
    },
    get rows() {
      return process.stdout.isTTY ? process.stdout.rows : undefined;
    },
  };
}

/** Colour only on a TTY and never with NO_COLOR (chalk alone ignores NO_COLOR). */
export function styleFor(io: Io, tty: boolean): Style {
  if (!tty || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.env.TERM === 'dumb') return plainStyle;
  const c = new Chalk({ level: 1 });
  return {
    ok: (t) => c.green(t),
    bad: (t) => c.red(t),
    warn: (t) => c.yellow(t),
    dim: (t) => c.dim(t),
    bold: (t) => c.bold(t),
    alarm: (t) => c.bgRed.white.bold(t),
  };
}

/** `--json` documents: one per line on stdout, nothing else there. */
export function jsonLine(io: Io, doc: unknown): void {
  io.out(jsonDocument(doc));
}
