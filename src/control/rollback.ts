import { errorMessage } from '../shared/errors.js';
import type { Clock } from '../ports/clock.js';
import type { RollbackReply, TrafficControl } from '../ports/traffic-control.js';

export interface VerifiedRollback {
  verified: boolean;
  ratioAfter: number | null;
  reply: RollbackReply | null;
  /** True when the emergency endpoint did not get the ratio to 0 and a plain `set ratio 0` was tried. */
  fallbackUsed: boolean;
  /**
   * True when the instance that answered holds 0 but said the shared ratio could not be written
   * (Redis down or silent): other instances of the service may still route to the stream.
   */
  localOnly: boolean;
  errors: string[];
}

export interface RollbackOptions {
  /** Read-backs before giving up (3, `delayMs` apart: the original answers only after its 5 s wait anyway). */
  attempts?: number;
  delayMs?: number;
}

/**
 * Emergency rollback, then read the ratio back. A success reply is not trusted and a 500 is
 * not despaired of: the read-back decides. When the endpoint did not get the ratio to 0,
 * setting the ratio to 0 directly is the second route.
 */
export async function verifiedRollback(traffic: TrafficControl, clock: Clock, reason: string, options: RollbackOptions = {}): Promise<VerifiedRollback> {
  const errors: string[] = [];
  let reply: RollbackReply | null = null;
  try {
    reply = await traffic.emergencyRollback(reason);
    if (!reply.success) errors.push(`emergency rollback answered ${reply.httpStatus ?? ''} success=false: ${reply.error ?? reply.message ?? ''}`.replace('  ', ' '));
  } catch (error) {
    errors.push(`emergency rollback: ${errorMessage(error)}`);
  }
  let ratioAfter = await readBackUntilZero(traffic, clock, errors, options);
  let fallbackUsed = false;
  let fallbackWrote = false;
  if (ratioAfter !== 0) {
    fallbackUsed = true;
    try {
      await traffic.setRatio(0, `${reason} (fallback after emergency rollback)`);
      fallbackWrote = true;
    } catch (error) {
      errors.push(`fallback set ratio 0: ${errorMessage(error)}`);
    }
    ratioAfter = await readBackUntilZero(traffic, clock, errors, options);
  }
  // A ratio set through the service's ordinary endpoint reaches the shared value.
  const localOnly = reply?.localOnly === true && !fallbackWrote;
  return { verified: ratioAfter === 0, ratioAfter, reply, fallbackUsed, localOnly, errors };
}

async function readBackUntilZero(traffic: TrafficControl, clock: Clock, errors: string[], options: RollbackOptions): Promise<number | null> {
  const attempts = options.attempts ?? 3;
  let ratio: number | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      ratio = await traffic.getRatio();
      if (ratio === 0) return 0;
    } catch (error) {
      if (attempt === attempts) errors.push(`read back ratio: ${errorMessage(error)}`);
    }
    // Deliberately not abortable: a rollback in progress finishes even after another Ctrl-C.
    if (attempt < attempts) await clock.sleep(options.delayMs ?? 1_000);
  }
  return ratio;
}
