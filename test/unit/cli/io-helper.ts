import type { Io } from '../../../src/cli/control/io.js';

export interface CapturedIo extends Io {
  stdout: string[];
  stderr: string[];
}

export function captureIo(overrides: Partial<Io> = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    stdoutTTY: false,
    stderrTTY: false,
    stdinTTY: false,
    env: {},
    stdout,
    stderr,
    ...overrides,
  };
}
