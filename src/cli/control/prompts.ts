import { createInterface } from 'node:readline/promises';
import type { ManualGate } from '../../ports/manual-gate.js';

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `pause: manual` on a TTY: Enter continues, Ctrl-C aborts the run (restoring the starting ratio). */
export function ttyManualGate(beforeAsk: () => void, afterAsk: () => void): ManualGate {
  return {
    async wait(message, signal) {
      beforeAsk();
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // readline owns SIGINT while it reads: forward it to the run's abort path.
      rl.on('SIGINT', () => process.emit('SIGINT'));
      try {
        await rl.question(`\n${message}\nPress Enter to continue (Ctrl-C aborts and restores the starting ratio): `, { signal });
        return 'continue';
      } catch {
        return 'continue'; // aborted: the engine checks the signal and does not continue
      } finally {
        rl.close();
        afterAsk();
      }
    },
  };
}
