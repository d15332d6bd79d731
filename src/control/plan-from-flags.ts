import { UsageError } from '../shared/errors.js';
import { DEFAULT_LIMITS, DEFAULT_THRESHOLDS, type Plan, type Step, type Thresholds, type Limits } from './plan.js';

export interface CutoverFlags {
  steps: number[];
  observeMs: number;
  intervalMs: number;
  thresholds: Partial<Thresholds>;
  limits: Partial<Limits>;
  skipPrecheck: boolean;
  skipConsistency: boolean;
  onBreach?: 'rollback' | 'hold';
}

/** `cutover` flags -> Plan: the original script's shape (consistency gate, then the ratios). */
export function planFromFlags(flags: CutoverFlags): Plan {
  if (flags.steps.length === 0) throw new UsageError('--steps: give at least one ratio, e.g. 0.3,0.6,1.0');
  if (flags.intervalMs <= 0) throw new UsageError('--interval: must be more than 0');
  if (flags.intervalMs > flags.observeMs) {
    throw new UsageError('--interval: longer than --observe, so no sample would be taken', 'make --interval at most --observe');
  }
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...dropUndefined(flags.thresholds) };
  const limits: Limits = { ...DEFAULT_LIMITS, ...dropUndefined(flags.limits) };
  const steps: Step[] = [];
  // The original script checks consistency before the first step (spec §4 step 2).
  if (!flags.skipPrecheck && !flags.skipConsistency) steps.push({ kind: 'check', check: 'consistency' });
  for (const ratio of flags.steps) {
    steps.push({ kind: 'ratio', ratio, observeMs: flags.observeMs, intervalMs: flags.intervalMs, thresholds });
  }
  return {
    name: 'cutover',
    precheck: !flags.skipPrecheck,
    onBreach: flags.onBreach ?? 'rollback',
    limits,
    steps,
    webhooks: [],
  };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
