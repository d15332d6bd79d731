import type { PurgeReply, ReplayReply } from '../../adapters/dlq-client.js';
import { plainStyle, type Style } from './style.js';

/** `dlq replay`: how many went back, and why each failure stayed. */
export function renderReplay(reply: ReplayReply, style: Style = plainStyle): string {
  const total = reply.replayed + reply.failed.length;
  const lines = [
    total === 0
      ? 'nothing to replay'
      : `${reply.failed.length === 0 ? style.ok('replayed') : style.warn('replayed')} ${reply.replayed} of ${total} dead letter(s) to ${reply.stream}`,
  ];
  for (const r of reply.requeued) lines.push(`  ${r.id} -> ${r.stream_id}`);
  if (reply.failed.length > 0) {
    lines.push(style.bad(`${reply.failed.length} not replayed (still in ${reply.stream}:dlq):`));
    for (const f of reply.failed) lines.push(`  ${f.id}: ${f.error}`);
  }
  return lines.join('\n');
}

export function renderPurge(reply: PurgeReply, style: Style = plainStyle): string {
  const missing = reply.not_found ? `; ${reply.not_found} id(s) were not there` : '';
  return `${reply.purged > 0 ? style.warn('purged') : 'purged'} ${reply.purged} dead letter(s) from ${reply.stream}:dlq${missing}; ${reply.dead_letters} left`;
}
