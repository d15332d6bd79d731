import { SAMPLE_CLASSES, pathOf, type SampleClass, type SampleVerdict, type SideOutcome } from './classify.js';

export const VALIDATION_SCHEMA = 'streamctl.validation/v1';

export interface LatencySummary {
  /** Accepted answers timed (refusals and failures are not latency samples). */
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface ValidationReport {
  schema: typeof VALIDATION_SCHEMA;
  target: string;
  run_id: string;
  started_at: string;
  finished_at: string;
  rate: number;
  duration_ms: number;
  tolerance: number;
  samples: number;
  counts: Record<SampleClass, number>;
  latency_ms: { old: LatencySummary; new: LatencySummary };
  /** Which path each side's accepted uploads took: a comparison needs the old side on `traditional`. */
  paths: { old: PathCounts; new: PathCounts };
  /** Up to --max-samples non-matching samples, each with its class and the differing fields. */
  examples: SampleVerdict[];
  verdict: 'match' | 'mismatch' | 'unreachable' | 'too_few_samples' | 'self_comparison';
  exit_code: number;
  message: string;
}

/** Exact nearest-rank percentile over a small, sorted list (validate sends hundreds, not millions). */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Latency of the accepted answers only (200 with an accepting `status`): a refusal is often fast,
 * and mixed in it would pass for a fast endpoint (issue 18, kind 5). Refusals are counted in
 * `counts` (error_old, error_new) and named in the examples.
 */
export function latencySummary(outcomes: readonly SideOutcome[]): LatencySummary {
  const sorted = outcomes.filter((o) => o.result === 'ok').map((o) => o.latencyMs).sort((a, b) => a - b);
  const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  return { count: sorted.length, p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? null) };
}

export interface PathCounts {
  stream: number;
  traditional: number;
  unknown: number;
}

function pathCounts(outcomes: readonly SideOutcome[]): PathCounts {
  const counts: PathCounts = { stream: 0, traditional: 0, unknown: 0 };
  for (const o of outcomes) if (o.result === 'ok') counts[pathOf(o) ?? 'unknown']++;
  return counts;
}

export interface ReportInput {
  target: string;
  runId: string;
  startedAtMs: number;
  finishedAtMs: number;
  rate: number;
  durationMs: number;
  tolerance: number;
  maxExamples: number;
  minSamples: number;
  verdicts: readonly SampleVerdict[];
  old: readonly SideOutcome[];
  neu: readonly SideOutcome[];
}

/**
 * Exit: 1 when any sample failed (a finding outranks everything else), 2 when no request reached
 * the target at all, 3 when fewer than --min-samples were judged or when no legacy upload took
 * the batch path (at ratio 1 the stream path is compared with itself, which proves nothing),
 * else 0.
 */
export function buildValidationReport(input: ReportInput): ValidationReport {
  const counts = Object.fromEntries(SAMPLE_CLASSES.map((c) => [c, 0])) as Record<SampleClass, number>;
  for (const v of input.verdicts) counts[v.class]++;
  const failed = input.verdicts.length - counts.match;
  const unreachable = input.verdicts.length > 0 && [...input.old, ...input.neu].every((o) => o.result === 'network_error');
  let verdict: ValidationReport['verdict'];
  let exit: number;
  let message: string;
  if (unreachable) {
    [verdict, exit, message] = ['unreachable', 2, `no request reached ${input.target}: ${input.old[0]?.error ?? 'network error'}`];
  } else if (failed > 0) {
    const parts = Object.entries(counts).filter(([c, n]) => c !== 'match' && n > 0).map(([c, n]) => `${n} ${c}`);
    [verdict, exit, message] = ['mismatch', 1, `${failed} of ${input.verdicts.length} samples failed: ${parts.join(', ')}`];
  } else if (input.verdicts.length > 0 && pathCounts(input.old).traditional === 0) {
    const old = pathCounts(input.old);
    [verdict, exit, message] = ['self_comparison', 3, `every accepted upload to the legacy endpoint took the stream path (${old.stream} of ${old.stream + old.unknown}): the stream path was compared with itself, which proves nothing. The ratio routes them: set it below 1 for the validation (e.g. streamctl ratio set 0)`];
  } else if (input.verdicts.length < input.minSamples) {
    [verdict, exit, message] = ['too_few_samples', 3, `only ${input.verdicts.length} samples (need ${input.minSamples}); raise --rate or --duration`];
  } else {
    const old = pathCounts(input.old);
    [verdict, exit, message] = ['match', 0, `all ${input.verdicts.length} samples persisted on both paths with equal fields (legacy endpoint: ${old.traditional} on the batch path, ${old.stream} on the stream path)`];
  }
  return {
    schema: VALIDATION_SCHEMA,
    target: input.target,
    run_id: input.runId,
    started_at: new Date(input.startedAtMs).toISOString(),
    finished_at: new Date(input.finishedAtMs).toISOString(),
    rate: input.rate,
    duration_ms: input.durationMs,
    tolerance: input.tolerance,
    samples: input.verdicts.length,
    counts,
    latency_ms: { old: latencySummary(input.old), new: latencySummary(input.neu) },
    paths: { old: pathCounts(input.old), new: pathCounts(input.neu) },
    examples: input.verdicts.filter((v) => v.class !== 'match').slice(0, input.maxExamples),
    verdict,
    exit_code: exit,
    message,
  };
}
