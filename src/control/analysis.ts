import type { MetricsSnapshot } from '../ports/metrics-source.js';
import type { Thresholds } from './plan.js';

/** Argo Rollouts' measurement phases; `error` = we could not measure at all. */
export type Phase = 'ok' | 'failed' | 'inconclusive' | 'error';

export type CheckName = 'error_rate' | 'p95' | 'p95_ratio' | 'ratio_drift' | 'reachability';

export interface Measurement {
  check: CheckName;
  phase: Phase;
  value: number | null;
  threshold: number | null;
  message: string;
}

/** What span a sample's p95 describes: its own interval, the service's sliding window, or all since the service started. */
export type P95Span = 'interval' | 'window' | 'since_start';

/**
 * The figures a sample judged; null where a figure is unknown (the service sent it as not a
 * number, or the interval could not be differenced). Request counts and the error rate are the
 * interval's when `intervalSeconds` is set (issue 11), else the service's window's.
 */
export interface Figures {
  ratio: number | null;
  streamRequests: number | null;
  traditionalRequests: number | null;
  errorRate: number | null;
  p95Ms: number | null;
  traditionalP95Ms: number | null;
  /** The service's sliding window in seconds, when the sample judged that window as it was; else null. */
  windowSeconds: number | null;
  /** Seconds between the two reads whose difference was judged; null (or absent: journals before issue 11) when none was. */
  intervalSeconds?: number | null;
  /** What `p95Ms` spans; absent in journals before issue 11. */
  p95Span?: P95Span;
}

/** Why a figure is null, where "the service sent summary.stream.<field> as not a number" would not say it. */
export type UnknownFigures = Partial<Record<'requests' | 'errorRate' | 'p95Ms', string>>;

/**
 * A metrics snapshot as a sample judges it: the figures of one interval (interval.ts), or the
 * service's window as it was. The extra fields are optional so a bare snapshot is judged as a window.
 */
export interface JudgedSnapshot extends MetricsSnapshot {
  intervalSeconds?: number | null;
  p95Span?: P95Span;
  unknown?: { stream: UnknownFigures; traditional: UnknownFigures };
  /** Said with the sample (an instance left out of the interval, one that vanished). */
  notes?: string[];
}

export interface Sample {
  verdict: Phase;
  measurements: Measurement[];
  figures: Figures | null;
  /** Checks not taken and why (e.g. no baseline on the traditional path at ratio 1.0). */
  notes: string[];
}

// p95 ratio denominators below 1 ms would turn timer noise into a breach (0.4 ms vs 0.1 ms = 4x).
const MIN_BASELINE_P95_MS = 1;

/** Worst phase wins: error > failed > inconclusive > ok. */
export function worstPhase(phases: Phase[]): Phase {
  for (const phase of ['error', 'failed', 'inconclusive'] as const) if (phases.includes(phase)) return phase;
  return 'ok';
}

/** A sample when the service could not be read: one `error` measurement, no figures. */
export function unreachableSample(message: string): Sample {
  return {
    verdict: 'error',
    measurements: [{ check: 'reachability', phase: 'error', value: null, threshold: null, message }],
    figures: null,
    notes: [],
  };
}

/**
 * Judges one metrics reading against the thresholds. Pure.
 * `expectedRatio` vs `actualRatio` is the drift check: another hand on the knob fails the sample.
 */
export function analyseSample(
  snapshot: JudgedSnapshot,
  thresholds: Thresholds,
  ratio: { expected: number; actual: number },
): Sample {
  const s = snapshot.stream;
  const t = snapshot.traditional;
  const measurements: Measurement[] = [];
  const notes: string[] = [...(snapshot.notes ?? [])];
  const intervalSeconds = snapshot.intervalSeconds ?? null;
  const span = intervalSeconds !== null ? 'interval' : 'window';
  const why = snapshot.unknown ?? { stream: {}, traditional: {} };

  if (Math.abs(ratio.actual - ratio.expected) >= 1e-6) {
    measurements.push({
      check: 'ratio_drift',
      phase: 'failed',
      value: ratio.actual,
      threshold: ratio.expected,
      message: `ratio reads ${ratio.actual} but this run set ${ratio.expected}: someone else changed it`,
    });
  }

  // A figure the service sent as NaN/Infinity cannot be judged: that check is inconclusive and
  // says which field, never an error ("unreachable") nor a pass.
  // Other reasons (a reset, no baseline, a NaN in the counters) come with the snapshot (interval.ts).
  const notANumber = (field: string) => `the service sent summary.stream.${field} as not a number`;
  const requestsKnown = s.requests !== null;
  const enough = requestsKnown && s.requests! >= thresholds.minRequests;
  const sparse = requestsKnown ? `${s.requests} stream requests in the ${span} (< ${thresholds.minRequests})` : (why.stream.requests ?? notANumber('requests'));

  measurements.push(
    !enough
      ? { check: 'error_rate', phase: 'inconclusive', value: s.errorRate, threshold: thresholds.maxErrorRate, message: sparse }
      : s.errorRate === null
        ? { check: 'error_rate', phase: 'inconclusive', value: null, threshold: thresholds.maxErrorRate, message: why.stream.errorRate ?? notANumber('error_rate') }
        : ceiling('error_rate', s.errorRate, thresholds.maxErrorRate, '%'),
  );
  if (thresholds.maxP95Ms !== null) {
    measurements.push(
      !enough
        ? { check: 'p95', phase: 'inconclusive', value: s.p95Ms, threshold: thresholds.maxP95Ms, message: sparse }
        : s.p95Ms === null
          ? { check: 'p95', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ms, message: why.stream.p95Ms ?? notANumber('p95_response_time') }
          : ceiling('p95', s.p95Ms, thresholds.maxP95Ms, 'ms'),
    );
  }
  if (thresholds.maxP95Ratio !== null) {
    if (!enough) {
      measurements.push({ check: 'p95_ratio', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ratio, message: sparse });
    } else if (t.requests === null || t.requests < thresholds.minRequests) {
      // At ratio 1.0 the traditional path has no traffic: there is no baseline, so the
      // relative check is not taken rather than counted as inconclusive for the whole step.
      notes.push(`p95_ratio not judged: ${t.requests === null ? (why.traditional.requests ?? 'traditional requests not a number') : `${t.requests} traditional requests (< ${thresholds.minRequests})`}`);
    } else if (s.p95Ms === null || t.p95Ms === null) {
      const message = s.p95Ms === null
        ? (why.stream.p95Ms ?? 'the service sent summary.stream.p95_response_time as not a number')
        : (why.traditional.p95Ms ?? 'the service sent summary.traditional.p95_response_time as not a number');
      measurements.push({ check: 'p95_ratio', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ratio, message });
    } else {
      const value = round(s.p95Ms / Math.max(t.p95Ms, MIN_BASELINE_P95_MS), 3);
      measurements.push({
        ...ceiling('p95_ratio', value, thresholds.maxP95Ratio, 'x'),
        message: `stream p95 ${s.p95Ms} ms is ${value}x traditional p95 ${t.p95Ms} ms (max ${thresholds.maxP95Ratio}x)`,
      });
    }
  }

  return {
    verdict: worstPhase(measurements.map((m) => m.phase)),
    measurements,
    figures: {
      ratio: ratio.actual,
      streamRequests: s.requests,
      traditionalRequests: t.requests,
      errorRate: s.errorRate,
      p95Ms: s.p95Ms,
      traditionalP95Ms: t.p95Ms,
      windowSeconds: intervalSeconds === null ? snapshot.windowSeconds : null,
      intervalSeconds,
      p95Span: snapshot.p95Span ?? (snapshot.windowSeconds === null ? 'since_start' : 'window'),
    },
    notes,
  };
}

function ceiling(check: CheckName, value: number, max: number, unit: string): Measurement {
  const failed = value > max;
  return {
    check,
    phase: failed ? 'failed' : 'ok',
    value,
    threshold: max,
    message: `${check} ${value}${unit} ${failed ? '>' : '<='} ${max}${unit}`,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
