/** `approved` once a human says yes; `declined` when they say no; `unavailable` when nobody can be asked (no TTY, --json). */
export type DecreaseAnswer = 'approved' | 'declined' | 'unavailable';

/**
 * Asks whether a run may move traffic back to the traditional path (decrease.ts). `warnings`:
 * one line per decreasing step, already worded. Resolves `declined` when `signal` aborts.
 */
export interface DecreaseApproval {
  ask(warnings: string[], signal: AbortSignal): Promise<DecreaseAnswer>;
}
