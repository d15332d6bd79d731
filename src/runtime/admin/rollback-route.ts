import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors.js';
import { within } from '../../shared/within.js';
import { sendJson } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { actorOf, remoteOf } from './auth.js';
import { parseAdminBody } from './admin-body.js';

const rollbackBody = z.object({
  reason: z.string().max(500).optional(),
  // The original stopped its consumers, stranding everything already accepted; draining is the default.
  drain: z.boolean().optional(),
});

/** The shared write's share of the 1 s a rollback may take to answer. */
const SHARED_WRITE_MS = 600;
/** The metrics document in the answer is a courtesy: a silent Redis gets this instance's own. */
const METRICS_MS = 200;

/**
 * Ratio to 0 on this instance first, whatever Redis does, then in Redis for every instance
 * (bounded at 600 ms), then answer: within 1 s, with no 5 s sleep as in the original. 200 when
 * every instance is rolled back; 500 with `local_override: true` when only this one is (Redis
 * failed or did not answer; it keeps writing 0 until Redis takes it). What is in the streams
 * keeps draining unless `drain: false` asks to halt the consumers.
 */
export async function emergencyRollback(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, rollbackBody);
  if (!parsed.ok) return sendJson(res, parsed.status, { success: false, error: parsed.error });
  const { reason = 'emergency rollback', drain = true } = parsed.value;
  const result = await rt.ratio.rollback(SHARED_WRITE_MS);
  if (!drain) void rt.consumers.stop();
  rt.logger.critical('EMERGENCY ROLLBACK: all traffic to the batch path', { old_ratio: result.old, reason, drain, shared: result.shared, from: remoteOf(req) });
  // The audit entry must not hold the answer back: it is written when Redis takes it.
  void rt.audit
    .record({ action: 'rollback', old: result.old, new: 0, reason, who: actorOf(req), from: remoteOf(req) })
    .catch((error) => rt.logger.warn('could not write the audit stream', { error: errorMessage(error) }));
  const currentMetrics = await within(rt.exchange.summary(), METRICS_MS, () => rt.exchange.localSummary());
  if (!result.shared) {
    return sendJson(res, 500, {
      success: false,
      error: `ratio is 0 on this instance; the shared ratio could not be written (${result.error}): other instances keep their ratio until Redis takes it (retried every 500 ms) or they are rolled back too`,
      rollback_time: new Date().toISOString(),
      traffic_ratio: 0,
      old_ratio: result.old,
      local_override: true,
      consumers_stopped: !drain,
      draining: drain,
      current_metrics: currentMetrics,
    });
  }
  sendJson(res, 200, {
    success: true,
    rollback_time: new Date().toISOString(),
    traffic_ratio: 0,
    old_ratio: result.old,
    consumers_stopped: !drain,
    draining: drain,
    // The whole metrics document, as the original returns its get_summary() here.
    current_metrics: currentMetrics,
    message: drain
      ? 'Rolled back: all traffic uses the batch path; uploads already in the streams keep draining to the database'
      : 'Rolled back: all traffic uses the batch path; stream consumers halted (entries stay pending in Redis)',
  });
}
