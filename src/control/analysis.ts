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

/** The figures a sample judged; null where the service sent a figure that is not a number. */
export interface Figures {
  ratio: number | null;
  streamRequests: number | null;
  traditionalRequests: number | null;
  errorRate: number | null;
  p95Ms: number | null;
  traditionalP95Ms: number | null;
  windowSeconds: number | null;
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
  snapshot: MetricsSnapshot,
  thresholds: Thresholds,
  ratio: { expected: number; actual: number },
): Sample {
  const s = snapshot.stream;
  const t = snapshot.traditional;
  const measurements: Measurement[] = [];
  const notes: string[] = [];

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
  const notANumber = (field: string) => `the service sent summary.stream.${field} as not a number`;
  const requestsKnown = s.requests !== null;
  const enough = requestsKnown && s.requests! >= thresholds.minRequests;
  const sparse = requestsKnown ? `${s.requests} stream requests in the window (< ${thresholds.minRequests})` : notANumber('requests');

  measurements.push(
    !enough
      ? { check: 'error_rate', phase: 'inconclusive', value: s.errorRate, threshold: thresholds.maxErrorRate, message: sparse }
      : s.errorRate === null
        ? { check: 'error_rate', phase: 'inconclusive', value: null, threshold: thresholds.maxErrorRate, message: notANumber('error_rate') }
        : ceiling('error_rate', s.errorRate, thresholds.maxErrorRate, '%'),
  );
  if (thresholds.maxP95Ms !== null) {
    measurements.push(
      !enough
        ? { check: 'p95', phase: 'inconclusive', value: s.p95Ms, threshold: thresholds.maxP95Ms, message: sparse }
        : s.p95Ms === null
          ? { check: 'p95', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ms, message: notANumber('p95_response_time') }
          : ceiling('p95', s.p95Ms, thresholds.maxP95Ms, 'ms'),
    );
  }
  if (thresholds.maxP95Ratio !== null) {
    if (!enough) {
      measurements.push({ check: 'p95_ratio', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ratio, message: sparse });
    } else if (t.requests === null || t.requests < thresholds.minRequests) {
      // At ratio 1.0 the traditional path has no traffic: there is no baseline, so the
      // relative check is not taken rather than counted as inconclusive for the whole step.
      notes.push(`p95_ratio not judged: ${t.requests === null ? 'traditional requests not a number' : `${t.requests} traditional requests (< ${thresholds.minRequests})`}`);
    } else if (s.p95Ms === null || t.p95Ms === null) {
      const field = s.p95Ms === null ? 'summary.stream.p95_response_time' : 'summary.traditional.p95_response_time';
      measurements.push({ check: 'p95_ratio', phase: 'inconclusive', value: null, threshold: thresholds.maxP95Ratio, message: `the service sent ${field} as not a number` });
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
      windowSeconds: snapshot.windowSeconds,
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

/**
 * The original service's metrics are cumulative since start (window_seconds absent): an error
 * rate read there is diluted by hours of history. Between two readings the counters' difference
 * is the rate of the last interval, so use that when both readings are cumulative.
 * p95 cannot be differenced and stays cumulative.
 */
export function windowed(previous: MetricsSnapshot | undefined, current: MetricsSnapshot): MetricsSnapshot {
  if (!previous || current.windowSeconds !== null || previous.windowSeconds !== null) return current;
  const path = (prev: MetricsSnapshot['stream'], cur: MetricsSnapshot['stream']) => {
    if (cur.requests === null || prev.requests === null || cur.errors === null || prev.errors === null) return cur;
    const requests = cur.requests - prev.requests;
    const errors = cur.errors - prev.errors;
    if (requests < 0 || errors < 0) return cur; // the service restarted: counters reset
    return { ...cur, requests, errors, errorRate: requests > 0 ? round((errors / requests) * 100, 3) : 0 };
  };
  return { ...current, stream: path(previous.stream, current.stream), traditional: path(previous.traditional, current.traditional) };
}
