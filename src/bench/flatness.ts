/**
 * Is the backlog flat? The sustained section's judgement, pure so it is unit-tested.
 * Flat means: at the end of the run the unconsumed backlog is below one second of ingest, and over
 * the second half of the run it is not growing (least-squares slope below `maxGrowthShare` of the
 * ingest rate, i.e. the consumers keep up with all but a sliver of what arrives).
 */
import { slope } from './stats.js';

export interface BacklogSample {
  /** Milliseconds since the load started. */
  tMs: number;
  unconsumed: number;
}

export interface FlatnessOptions {
  /** Growth allowed over the second half, as a share of the ingest rate (default 0.02). */
  maxGrowthShare?: number;
}

export interface FlatVerdict {
  flat: boolean;
  endBacklog: number | null;
  /** Entries per second the backlog grew by over the second half of the run. */
  growthPerS: number;
  reason: string;
}

export function judgeFlat(samples: readonly BacklogSample[], ingestRate: number, options: FlatnessOptions = {}): FlatVerdict {
  const maxGrowthShare = options.maxGrowthShare ?? 0.02;
  if (samples.length < 3) return { flat: false, endBacklog: samples.at(-1)?.unconsumed ?? null, growthPerS: 0, reason: 'too few backlog samples to judge' };
  const end = samples.at(-1)!;
  const half = end.tMs / 2;
  const tail = samples.filter((s) => s.tMs >= half);
  const growthPerS = slope(tail.map((s) => ({ x: s.tMs / 1000, y: s.unconsumed })));
  const oneSecond = Math.max(1, ingestRate);
  if (end.unconsumed >= oneSecond) {
    return { flat: false, endBacklog: end.unconsumed, growthPerS, reason: `backlog at the end ${end.unconsumed} >= one second of ingest (${Math.round(oneSecond)})` };
  }
  if (growthPerS > maxGrowthShare * oneSecond) {
    return { flat: false, endBacklog: end.unconsumed, growthPerS, reason: `backlog growing ${Math.round(growthPerS)}/s over the second half (> ${maxGrowthShare * 100}% of ingest)` };
  }
  return { flat: true, endBacklog: end.unconsumed, growthPerS, reason: 'flat' };
}

export interface StepOutcome {
  targetRate: number;
  /** 2xx answers per second actually achieved. */
  achievedRate: number;
  errorRate: number;
  flat: FlatVerdict;
}

export interface StepVerdict {
  ok: boolean;
  reason: string;
}

/**
 * A rate step counts only if the load really ran at that rate (at least `minShare` of it was
 * answered 2xx), almost nothing failed, and the backlog stayed flat.
 */
export function judgeStep(step: StepOutcome, minShare = 0.95, maxErrorRate = 0.001): StepVerdict {
  if (step.achievedRate < minShare * step.targetRate) {
    return { ok: false, reason: `only ${Math.round(step.achievedRate)}/s of ${step.targetRate}/s were answered 2xx` };
  }
  if (step.errorRate > maxErrorRate) return { ok: false, reason: `error rate ${(step.errorRate * 100).toFixed(2)}%` };
  if (!step.flat.flat) return { ok: false, reason: step.flat.reason };
  return { ok: true, reason: 'flat' };
}

/**
 * The rate halfway between a passing and a failing one, rounded to `grain`; undefined when no
 * such rate lies strictly between them.
 */
export function bisect(passing: number, failing: number, grain = 500): number | undefined {
  const mid = Math.round((passing + failing) / 2 / grain) * grain;
  return mid > passing && mid < failing ? mid : undefined;
}

/** The highest rate of the ascending steps that passed before the first that did not; null if none. */
export function highestPassingRate(steps: ReadonlyArray<{ targetRate: number; ok: boolean }>): number | null {
  let best: number | null = null;
  for (const step of [...steps].sort((a, b) => a.targetRate - b.targetRate)) {
    if (!step.ok) break;
    best = step.targetRate;
  }
  return best;
}
