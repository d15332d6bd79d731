import type { RunResult } from '../../control/controller.js';
import { plainStyle, type Style } from './style.js';

/** The last words of a run; a failed rollback is the loudest message the tool prints. */
export function runResultText(result: RunResult, resumeHint: string | null, style: Style = plainStyle): string {
  switch (result.outcome) {
    case 'completed':
      return style.ok(`cutover completed: ${result.reason}`);
    case 'rollback_failed':
    case 'restore_failed': {
      const bar = '!'.repeat(72);
      return [
        style.alarm(bar),
        style.alarm(`!!! ${result.outcome === 'rollback_failed' ? 'ROLLBACK FAILED' : 'RESTORE FAILED'}: THE TRAFFIC RATIO IS NOT WHERE IT SHOULD BE`),
        style.alarm(`!!! ${result.reason}`),
        style.alarm('!!! Run `streamctl rollback` now, or set the ratio to 0 on the service by hand, then check `streamctl status`.'),
        style.alarm(bar),
      ].join('\n');
    }
    case 'rolled_back':
      return style.bad(`rolled back: ${result.reason}`);
    case 'held':
      return style.bad(`breach, holding (on_breach: hold): ${result.reason}\n  the ratio was left as it is; roll back with \`streamctl rollback\` if needed`);
    case 'lease_held':
      return style.warn(`not started: ${result.reason}\n  wait for it to finish, or check it with \`streamctl status\``);
    default: {
      const hint = resumeHint && (result.outcome === 'paused' || result.outcome === 'aborted' || result.outcome === 'inconclusive' || result.outcome === 'error' || result.outcome === 'lease_lost' || result.outcome === 'precheck_failed')
        ? `\n  continue with: ${resumeHint}`
        : '';
      const text = `${result.outcome.replace('_', ' ')}: ${result.reason}${hint}`;
      return result.outcome === 'error' ? style.bad(text) : style.warn(text);
    }
  }
}
