import Table from 'cli-table3';
import type { VerifiedRollback } from '../../control/rollback.js';
import { plainStyle, type Style } from './style.js';

/** `streamctl rollback` as a two-column table. */
export function renderRollback(target: string, result: VerifiedRollback, style: Style = plainStyle): string {
  const table = new Table({ style: { head: [], border: [] } });
  const r = result.reply;
  table.push(
    { target },
    { 'emergency rollback': !r ? 'no answer' : r.success ? 'success' : r.localOnly ? `the service answered ${r.httpStatus ?? 500}: ratio is 0 on this instance, the shared ratio could not be written` : `failed: ${r.error ?? r.message ?? ''}` },
    { scope: result.localOnly ? style.alarm('this instance only') : result.verified ? 'the target reads 0' : '-' },
    { 'rollback time': r?.rollbackTime ?? '-' },
    { 'consumers stopped': r?.consumersStopped === undefined ? '-' : String(r.consumersStopped) },
    { draining: r?.draining === undefined ? '-' : String(r.draining) },
    { 'fallback set ratio 0': !result.fallbackUsed ? 'not needed' : result.errors.some((e) => e.startsWith('fallback set ratio 0')) ? 'attempted, failed' : 'used' },
    { 'ratio read back': result.ratioAfter === null ? 'unreadable' : String(result.ratioAfter) },
    { verified: result.verified ? style.ok('yes: ratio is 0') : style.alarm('NO') },
  );
  const lines = [table.toString()];
  if (result.errors.length > 0) lines.push(...result.errors.map((e) => `  ${e}`));
  if (result.verified && result.localOnly) {
    lines.push(style.alarm('!!! ROLLED BACK ON ONE INSTANCE ONLY: its Redis did not take ratio 0. That instance keeps writing 0 to Redis every 500 ms; until then roll back every other instance too (streamctl rollback --target <each>) and check `streamctl status`.'));
  }
  if (r?.consumersStopped === true) {
    // The original service stops its consumers on rollback and only a restart brings them back:
    // what its streams already hold waits there, undelivered (its own health keeps saying healthy).
    lines.push(style.alarm('!!! THE SERVICE STOPPED ITS STREAM CONSUMERS: accepted stream entries will not reach the database until they run again (the original service: restart the process; streamctl serve: set a ratio above 0).'));
  }
  if (!result.verified) {
    const why = result.ratioAfter === null ? 'the ratio could not be read' : `the ratio reads ${result.ratioAfter}, not 0`;
    lines.push(style.alarm(`!!! ROLLBACK NOT VERIFIED: ${why}. Set it by hand on the service and check \`streamctl status\`.`));
  }
  return lines.join('\n');
}
