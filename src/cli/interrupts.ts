/**
 * The signals that mean "stop now, cleanly": Ctrl-C (SIGINT), what CI systems, `timeout` and
 * `kill` send on cancel (SIGTERM), and a closed terminal or SSH session (SIGHUP). Each must lead
 * to the same clean ending; handling SIGINT alone left a cancelled cutover at its step's ratio.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/**
 * Calls `handler` with the signal's name on each interrupt signal until the returned function is
 * called. While registered, Node's default (exit at once) is replaced for all three.
 */
export function onInterrupt(handler: (signal: InterruptSignal) => void): () => void {
  const listeners = INTERRUPT_SIGNALS.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
