import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors.js';
import { sendJson } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { actorOf, remoteOf } from './auth.js';
import { parseAdminBody } from './admin-body.js';

const rollbackBody = z.object({
  reason: z.string().max(500).optional(),
  // The original stopped its consumers, stranding everything already accepted; draining is the default.
  drain: z.boolean().optional(),
});

/**
 * Ratio to 0 first (this instance at once, the others through Redis within a second), then
 * answer: no 5 s sleep as in the original. What is in the streams keeps draining unless
 * `drain: false` asks to halt the consumers.
 */
export async function emergencyRollback(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, rollbackBody);
  if (!parsed.ok) return sendJson(res, parsed.status, { success: false, error: parsed.error });
  const { reason = 'emergency rollback', drain = true } = parsed.value;
  const before = rt.ratio.current;
  let old: number;
  try {
    old = await rt.ratio.set(0);
  } catch (error) {
    rt.logger.critical('EMERGENCY ROLLBACK could not reach Redis: only this instance routes to the batch path', { error: errorMessage(error) });
    return sendJson(res, 500, { success: false, error: `ratio set to 0 on this instance only; Redis unavailable: ${errorMessage(error)}`, traffic_ratio: 0 });
  }
  if (!drain) void rt.consumers.stop();
  rt.logger.critical('EMERGENCY ROLLBACK: all traffic to the batch path', { old_ratio: old ?? before, reason, drain, from: remoteOf(req) });
  await rt.audit
    .record({ action: 'rollback', old, new: 0, reason, who: actorOf(req), from: remoteOf(req) })
    .catch((error) => rt.logger.warn('could not write the audit stream', { error: errorMessage(error) }));
  sendJson(res, 200, {
    success: true,
    rollback_time: new Date().toISOString(),
    traffic_ratio: 0,
    old_ratio: old,
    consumers_stopped: !drain,
    draining: drain,
    current_metrics: (await rt.exchange.summary()).summary,
    message: drain
      ? 'Rolled back: all traffic uses the batch path; uploads already in the streams keep draining to the database'
      : 'Rolled back: all traffic uses the batch path; stream consumers halted (entries stay pending in Redis)',
  });
}
