import { createInterface } from 'node:readline/promises';
import type { DecreaseApproval } from '../../ports/decrease-approval.js';
import type { GateQuestion, ManualGate } from '../../ports/manual-gate.js';

/** Asks a yes/no question on the terminal; anything but y/yes is no. */
export async function confirm(question: string, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  // readline owns SIGINT while it reads: forward it to the run's abort path.
  if (signal) rl.on('SIGINT', () => process.emit('SIGINT'));
  try {
    const answer = await rl.question(`${question} [y/N] `, signal ? { signal } : {});
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false; // aborted
  } finally {
    rl.close();
  }
}

/** `paused at gate 2: look at the dashboards. Enter to continue, Ctrl-C to abort` (issue 11: the prompt never said what to press). */
export function gatePrompt(gate: GateQuestion): string {
  const message = gate.message.trim().replace(/[.!?:;,]+$/, '');
  return `paused at ${gate.name}: ${message}. Enter to continue, Ctrl-C to abort (restores the starting ratio) `;
}

/**
 * `pause: manual` on a TTY: Enter continues, Ctrl-C aborts the run (restoring the starting
 * ratio). `beforeAsk` stops the spinner for as long as the prompt owns the terminal.
 */
export function ttyManualGate(beforeAsk: () => void, afterAsk: () => void): ManualGate {
  return {
    async wait(gate, signal) {
      beforeAsk();
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // readline owns SIGINT while it reads: forward it to the run's abort path.
      rl.on('SIGINT', () => process.emit('SIGINT'));
      try {
        await rl.question(`\n${gatePrompt(gate)}`, { signal });
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

/** Steps that lower the ratio, on a TTY: the warning, then y/N (anything but y/yes declines). */
export function ttyDecreaseApproval(beforeAsk: () => void, afterAsk: () => void): DecreaseApproval {
  return {
    async ask(warnings, signal) {
      beforeAsk();
      try {
        process.stderr.write(`\nWARNING: this run moves traffic back to the traditional path:\n${warnings.map((w) => `  - ${w}`).join('\n')}\n`);
        return (await confirm('Move traffic back as planned?', signal)) ? 'approved' : 'declined';
      } finally {
        afterAsk();
      }
    },
  };
}
