import type { LoadSpec } from '../ports/load-runner.js';

/** Absolute and relative ceilings a sample is judged against. */
export interface Thresholds {
  /** Stream error rate ceiling, percent (the original script's 1.0). */
  maxErrorRate: number;
  /** Stream p95 ceiling in ms; null = not checked. */
  maxP95Ms: number | null;
  /** Stream p95 / traditional p95 in the same sample (its interval); null = not checked. */
  maxP95Ratio: number | null;
  /** Stream requests a sample needs before it may be judged; fewer is inconclusive, never a pass. */
  minRequests: number;
}

/** How many bad measurements a step tolerates (Argo Rollouts' analysis limits), counted per step. */
export interface Limits {
  /** Failed samples tolerated; 0 = the first breach acts, as the original script did. */
  failureLimit: number;
  /** Inconclusive samples tolerated before the run stops with exit 3. */
  inconclusiveLimit: number;
  /** Consecutive unreachable samples tolerated before the run stops with exit 2. */
  consecutiveErrorLimit: number;
}

export type OnBreach = 'rollback' | 'hold';

export interface RatioStep {
  kind: 'ratio';
  ratio: number;
  observeMs: number;
  intervalMs: number;
  thresholds: Thresholds;
  load?: LoadSpec;
}

export interface PauseStep {
  kind: 'pause';
  message: string;
}

export interface CheckStep {
  kind: 'check';
  check: 'consistency';
}

export type Step = RatioStep | PauseStep | CheckStep;

export interface WebhookTarget {
  url: string;
  events: Array<'start' | 'step' | 'breach' | 'rollback' | 'done'>;
  timeoutMs: number;
  retries: number;
  headers: Record<string, string>;
}

export interface Plan {
  name: string;
  /** Scenario-level target; the CLI flag or env wins over it. */
  target?: string;
  /** Health pre-check before anything changes (on unless --skip-precheck). */
  precheck: boolean;
  onBreach: OnBreach;
  limits: Limits;
  steps: Step[];
  webhooks: WebhookTarget[];
  /**
   * Steps may lower the ratio (move traffic back) without asking: `--allow-decrease` or
   * `allow_decrease: true`. Absent (journals written before it) = false. See decrease.ts.
   */
  allowDecrease?: boolean;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  maxErrorRate: 1,
  maxP95Ms: null,
  maxP95Ratio: null,
  // 20 requests: below that one error is >= 5 %, so a judgement would be noise (kayenta #426).
  minRequests: 20,
};

export const DEFAULT_LIMITS: Limits = {
  failureLimit: 0,
  // One sparse sample per step is tolerated (the window may still be filling after a change);
  // a second one stops the run as inconclusive.
  inconclusiveLimit: 1,
  // Two consecutive unreachable samples is a blip; the third stops the run.
  consecutiveErrorLimit: 2,
};

/** Total planned time: the sum of every observation (gates take as long as a human does). */
export function planDurationMs(plan: Plan): number {
  return plan.steps.reduce((sum, step) => sum + (step.kind === 'ratio' ? step.observeMs : 0), 0);
}

/** Samples a ratio step takes: one at the end of every interval (the first after one interval). */
export function samplesPerStep(step: RatioStep): number {
  return Math.max(1, Math.floor(step.observeMs / step.intervalMs));
}

export function ratioSteps(plan: Plan): RatioStep[] {
  return plan.steps.filter((s): s is RatioStep => s.kind === 'ratio');
}
