import { z } from 'zod';

/** Faults a team injects on purpose to rehearse a rollback (`--enable-chaos` only). */
export interface ChaosSettings {
  stream_error_rate: number;
  stream_extra_latency_ms: number;
}

export const chaosBody = z.strictObject({
  stream_error_rate: z.number().min(0).max(1).optional(),
  // A minute is far past any threshold a rehearsal needs, and keeps sockets from piling up.
  stream_extra_latency_ms: z.number().int().min(0).max(60_000).optional(),
});

export function noChaos(): ChaosSettings {
  return { stream_error_rate: 0, stream_extra_latency_ms: 0 };
}
