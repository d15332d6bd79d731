import type { DeadLetterDetail } from '../../adapters/dlq-client.js';
import { plainStyle, type Style } from './style.js';

/** `dlq show`: the failure, the original entry's fields and the payload, pretty-printed when it is JSON. */
export function renderDlqEntry(entry: DeadLetterDetail, style: Style = plainStyle): string {
  const lines = [
    `${style.bold(entry.id)} in ${entry.dead_letter_stream}`,
    `  reason       ${style.bad(entry.reason ?? '-')}`,
    `  failed at    ${entry.failed_at ?? '-'} after ${entry.deliveries ?? '?'} deliver${entry.deliveries === 1 ? 'y' : 'ies'} (consumer ${entry.consumer ?? '-'}, group ${entry.group ?? '-'})`,
    `  original     ${entry.original_id ?? '-'} in ${entry.stream}${entry.accepted_at ? `, accepted at ${entry.accepted_at}` : ''}`,
    `  device       ${entry.device_sn ?? '-'}   type ${entry.message_type ?? '-'}   uuid ${entry.uuid ?? '-'}`,
  ];
  if (entry.original_source === 'stream') lines.push(style.dim('  (the dead letter holds no copy; the original entry was read from the stream)'));
  if (entry.original_fields) {
    const extra = Object.entries(entry.original_fields).filter(([key]) => !['timestamp', 'uuid', 'payload', 'device_sn', 'message_type'].includes(key));
    for (const [key, value] of extra) lines.push(`  ${key.padEnd(12)} ${value}`);
  }
  if (entry.envelope !== null && entry.envelope !== undefined) {
    lines.push('payload', ...JSON.stringify(entry.envelope, null, 2).split('\n').map((line) => `  ${line}`));
  } else {
    lines.push(`payload ${style.warn(entry.payload_error ?? 'none')}`);
    if (entry.payload !== null) lines.push(`  ${entry.payload}`);
  }
  lines.push(style.dim(`replay: streamctl dlq replay ${entry.stream} ${entry.id} [--patch '{"key":"value"}']`));
  return lines.join('\n');
}
