/**
 * What a failed write to stdout or stderr does: nothing but mark that stream closed. Not exit, not
 * throw. `streamctl serve 2>&1 | tee serve.log` and Ctrl-C signals tee and serve at once; tee is
 * gone before serve logs "draining", and exiting on that EPIPE (as this CLI once did) threw away
 * every upload still in the batch queue and left the embedded Redis running. A process that
 * loses its reader still owes its safety actions: drain and spill (serve), restore the ratio and
 * release the lease (cutover, run).
 *
 * SIGPIPE needs no handler: Node starts with it ignored (node.cc resets every other signal to its
 * default, SIGPIPE and SIGXFSZ to SIG_IGN), so a write to a closed pipe is an EPIPE error event.
 * A listener for it would replace that SIG_IGN with a handler whose removal restores the default.
 */

export type OutputName = 'stdout' | 'stderr';

const closed = new Set<OutputName>();
const listeners = new Set<(name: OutputName) => void>();
let guarded = false;

/**
 * Installs the error listeners on process.stdout and process.stderr; idempotent. After a failed
 * write the stream is destroyed by Node and later writes are dropped without another event.
 */
export function guardOutputStreams(): void {
  if (guarded) return;
  guarded = true;
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', () => {
      // Every code (EPIPE, EIO from a gone terminal, ENOSPC from a full disk) means the same:
      // nobody reads this any more. Nowhere is left to report it either.
      if (closed.has(name)) return;
      closed.add(name);
      for (const listener of [...listeners]) listener(name);
    });
  }
}

export function outputClosed(name: OutputName): boolean {
  return closed.has(name);
}

/**
 * Calls `handler` once per stream when stdout or stderr is found closed, until the returned
 * function is called. Commands that run until stopped (watch, cutover, run, load, validate) end
 * on a closed stdout as on Ctrl-C, through their clean path: the reader that was shown their
 * progress is gone, as `streamctl watch | head -1` intends.
 */
export function onOutputClosed(handler: (name: OutputName) => void): () => void {
  listeners.add(handler);
  return () => {
    listeners.delete(handler);
  };
}
