import type { Limits } from './plan.js';
import type { Measurement, Sample } from './analysis.js';

/** What one step has seen so far; reset when a step starts (limits count per step). */
export interface StepCounters {
  samples: number;
  ok: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
}

export const ZERO_COUNTERS: StepCounters = { samples: 0, ok: 0, failed: 0, inconclusive: 0, errors: 0, consecutiveErrors: 0 };

export type Decision =
  | { action: 'continue'; reason: string }
  /** A check breached beyond its limit (or the ratio drifted): apply `on_breach`. */
  | { action: 'breach'; reason: string; measurement: Measurement }
  /** Too many sparse samples: stop with exit 3, back at the last proven ratio. */
  | { action: 'stop_inconclusive'; reason: string }
  /** The service stopped answering: stop with exit 2 (applying `on_breach`: we are blind). */
  | { action: 'stop_error'; reason: string };

export function countSample(counters: StepCounters, sample: Sample): StepCounters {
  const next = { ...counters, samples: counters.samples + 1 };
  switch (sample.verdict) {
    case 'ok': next.ok++; break;
    case 'failed': next.failed++; break;
    case 'inconclusive': next.inconclusive++; break;
    case 'error': next.errors++; break;
  }
  next.consecutiveErrors = sample.verdict === 'error' ? counters.consecutiveErrors + 1 : 0;
  return next;
}

/** Pure: given the counters after `sample` was counted, what the run does next. */
export function decide(counters: StepCounters, sample: Sample, limits: Limits): Decision {
  const drift = sample.measurements.find((m) => m.check === 'ratio_drift' && m.phase === 'failed');
  // Another hand on the knob is never tolerated: two controllers double-step (flagger #1613).
  if (drift) return { action: 'breach', reason: drift.message, measurement: drift };

  if (sample.verdict === 'failed') {
    const worst = sample.measurements.find((m) => m.phase === 'failed')!;
    if (counters.failed > limits.failureLimit) {
      return { action: 'breach', reason: `${worst.message} (failure ${counters.failed} of limit ${limits.failureLimit})`, measurement: worst };
    }
    return { action: 'continue', reason: `${worst.message}; failure ${counters.failed} within limit ${limits.failureLimit}` };
  }
  if (sample.verdict === 'error') {
    const message = sample.measurements[0]?.message ?? 'service unreachable';
    if (counters.consecutiveErrors > limits.consecutiveErrorLimit) {
      return { action: 'stop_error', reason: `${message} (${counters.consecutiveErrors} consecutive errors, limit ${limits.consecutiveErrorLimit})` };
    }
    return { action: 'continue', reason: `${message}; error ${counters.consecutiveErrors} within limit ${limits.consecutiveErrorLimit}` };
  }
  if (sample.verdict === 'inconclusive') {
    const why = sample.measurements.find((m) => m.phase === 'inconclusive')?.message ?? 'too little data';
    if (counters.inconclusive > limits.inconclusiveLimit) {
      return { action: 'stop_inconclusive', reason: `${why} (${counters.inconclusive} inconclusive samples, limit ${limits.inconclusiveLimit})` };
    }
    return { action: 'continue', reason: `${why}; inconclusive ${counters.inconclusive} within limit ${limits.inconclusiveLimit}` };
  }
  return { action: 'continue', reason: 'all checks within thresholds' };
}

/**
 * A step passes only with at least one conclusive ok sample: a step that saw nothing but
 * sparse or unreachable samples proved nothing (Flagger #1035, Argo #1905).
 */
export function stepPassed(counters: StepCounters): boolean {
  return counters.ok >= 1;
}
