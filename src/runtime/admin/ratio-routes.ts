import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { errorMessage } from '../../shared/errors.js';
import { DeadlineError, deadline, within } from '../../shared/within.js';
import { sendAdminError, sendJson } from '../http/respond.js';
import type { RuntimeContext } from '../runtime-context.js';
import { actorOf, remoteOf } from './auth.js';
import { parseAdminBody } from './admin-body.js';
import { plainRedisError } from '../../shared/redis-errors.js';
import { redisDisplay } from '../redis-display.js';

function describeRatio(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}% traffic uses Stream`;
}

/** This instance's ratio; `local_override` appears while a rollback holds it at 0 ahead of Redis. */
export function getRatio(rt: RuntimeContext, res: ServerResponse): void {
  const override = rt.ratio.localOverride;
  sendJson(res, 200, {
    current_ratio: rt.ratio.current, description: describeRatio(rt.ratio.current), routing: rt.options.routing,
    ...(override ? { local_override: true } : {}),
  });
}

/** A ratio change waits this long for Redis; later, it answers 503 and says the change may still land. */
const SET_RATIO_MS = 2_000;

// Strings, booleans and NaN are refused: the original took any JSON type and `"0.3"` or `true`
// could switch live traffic by accident.
const ratioBody = z.object({
  ratio: z.number({ error: 'ratio must be a number in [0, 1]' }).min(0, 'ratio must be >= 0').max(1, 'ratio must be <= 1'),
  reason: z.string().max(500).optional(),
});

export async function setRatio(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = await parseAdminBody(req, res, ratioBody);
  if (!parsed.ok) return sendAdminError(res, parsed.status, parsed.error);
  const { ratio, reason } = parsed.value;
  let old: number;
  try {
    old = await deadline(rt.ratio.set(ratio), SET_RATIO_MS, 'writing the ratio to Redis');
  } catch (error) {
    if (error instanceof DeadlineError) return sendAdminError(res, 503, `Redis did not answer within ${SET_RATIO_MS / 1000} s: the ratio is unchanged on this instance, and the write may still land when Redis resumes; read it back`);
    return sendAdminError(res, 503, `ratio not changed: ${plainRedisError(error, redisDisplay(rt.redis))}`);
  }
  if (ratio > 0 && rt.consumers.halted) void rt.consumers.start().catch((error) => rt.logger.error('could not restart the consumers', { error: errorMessage(error) }));
  // Written before the answer so `streamctl status` right after shows it; bounded, as Redis just answered.
  await within(
    rt.audit
      .record({ action: 'ratio_set', old, new: ratio, reason: reason ?? '', who: actorOf(req), from: remoteOf(req) })
      .catch((error) => rt.logger.warn('could not write the audit stream', { error: errorMessage(error) })),
    500,
    () => undefined,
  );
  rt.logger.info('traffic ratio changed', { old, new: ratio, reason, from: remoteOf(req) });
  sendJson(res, 200, { success: true, old_ratio: old, new_ratio: ratio, message: `Traffic ratio changed from ${old} to ${ratio}: ${describeRatio(ratio)}` });
}
