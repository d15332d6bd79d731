import Table from 'cli-table3';
import type { VerifiedRollback } from '../../control/rollback.js';
import { plainStyle, type Style } from './style.js';

/** `streamctl rollback` as a two-column table. */
export function renderRollback(target: string, result: VerifiedRollback, style: Style = plainStyle): string {
  const table = new Table({ style: { head: [], border: [] } });
  const r = result.reply;
  table.push(
    { target },
    { 'emergency rollback': r ? (r.success ? 'success' : `failed: ${r.error ?? r.message ?? ''}`) : 'no answer' },
    { 'rollback time': r?.rollbackTime ?? '-' },
    { 'consumers stopped': r?.consumersStopped === undefined ? '-' : String(r.consumersStopped) },
    { draining: r?.draining === undefined ? '-' : String(r.draining) },
    { 'fallback set ratio 0': result.fallbackUsed ? 'used' : 'not needed' },
    { 'ratio read back': result.ratioAfter === null ? 'unreadable' : String(result.ratioAfter) },
    { verified: result.verified ? style.ok('yes: ratio is 0') : style.alarm('NO') },
  );
  const lines = [table.toString()];
  if (result.errors.length > 0) lines.push(...result.errors.map((e) => `  ${e}`));
  if (!result.verified) {
    lines.push(style.alarm('!!! ROLLBACK NOT VERIFIED: the ratio does not read 0. Set it by hand on the service and check `streamctl status`.'));
  }
  return lines.join('\n');
}
