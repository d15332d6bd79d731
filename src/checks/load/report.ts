import type { LatencyHistogram } from './histogram.js';

/** v2: latency split into 2xx answers and failures (v1 had one `latency_ms` over every answer). */
export const LOAD_SCHEMA = 'streamctl.load/v2';

/** Latency figures of one group of requests, in ms; null when the group is empty. */
export interface LatencyStats {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export interface LoadReport {
  schema: typeof LOAD_SCHEMA;
  target: string;
  endpoints: Array<{ path: string; weight: number }>;
  started_at: string;
  duration_ms: number;
  target_rate: number;
  /** Requests the scheduler released; open loop: on time whatever the server did. */
  sent: number;
  /** Requests not sent because the client-side backlog hit its cap (the server fell far behind). */
  dropped: number;
  answered: number;
  ok: number;
  /** 2xx answers per second of the send window: the throughput achieved. */
  achieved_rate: number;
  sent_rate: number;
  /**
   * Latency from each request's scheduled send time to its answer (coordinated omission
   * corrected), apart for `ok` (2xx answers) and `failed` (any other status, or a network
   * failure timed to when it was known): mixed, a target that fails most requests at once
   * would show the failures' speed as its latency.
   */
  latency_ms: { ok: LatencyStats; failed: LatencyStats };
  /** Non-2xx answers by status, network failures by code (ECONNREFUSED, timeout, ...). */
  errors: Record<string, number>;
  error_rate: number;
  /** Largest delay between a request's scheduled time and its actual release (client health). */
  max_schedule_lag_ms: number;
  exit_code: number;
  message: string;
}

export interface LoadTally {
  target: string;
  endpoints: Array<{ path: string; weight: number }>;
  startedAtMs: number;
  durationMs: number;
  /** Time from start until the last answer (or abandon). */
  elapsedMs: number;
  targetRate: number;
  sent: number;
  dropped: number;
  answered: number;
  ok: number;
  errors: Record<string, number>;
  /** 2xx answers. */
  okLatency: LatencyHistogram;
  /** Every other outcome of a sent request: non-2xx answers and network failures. */
  failedLatency: LatencyHistogram;
  maxScheduleLagMs: number;
  maxErrorRate: number;
}

const round = (v: number | null, digits = 2) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

function latencyStats(h: LatencyHistogram): LatencyStats {
  return { count: h.count, p50: round(h.quantileMs(0.5)), p95: round(h.quantileMs(0.95)), p99: round(h.quantileMs(0.99)), max: round(h.maxMs), mean: round(h.meanMs) };
}

/**
 * Exit: 2 when nothing answered at all; 1 when the error rate is above --max-error-rate;
 * 3 when the client could not release the target rate (results do not describe that load); else 0.
 */
export function buildLoadReport(t: LoadTally): LoadReport {
  const sendWindowS = Math.max(t.durationMs, 1) / 1000;
  const failed = t.sent + t.dropped - t.ok;
  const errorRate = t.sent + t.dropped === 0 ? 0 : failed / (t.sent + t.dropped);
  const sentRate = t.sent / sendWindowS;
  let exit = 0;
  let message = `${t.ok} of ${t.sent} requests answered 2xx at ${round(t.ok / sendWindowS, 1)}/s (target ${t.targetRate}/s)`;
  if (t.answered === 0 && t.sent > 0) {
    exit = 2;
    message = `no answer from ${t.target}: ${Object.keys(t.errors).join(', ') || 'no response'}`;
  } else if (errorRate > t.maxErrorRate) {
    exit = 1;
    message = `error rate ${round(errorRate * 100, 2)}% above ${t.maxErrorRate * 100}%: ${JSON.stringify(t.errors)}`;
  } else if (t.sent + t.dropped < Math.floor(t.targetRate * sendWindowS * 0.95)) {
    exit = 3;
    message = `the client released only ${round(sentRate, 1)}/s of ${t.targetRate}/s; the numbers do not describe the target load`;
  }
  return {
    schema: LOAD_SCHEMA,
    target: t.target,
    endpoints: t.endpoints,
    started_at: new Date(t.startedAtMs).toISOString(),
    duration_ms: t.durationMs,
    target_rate: t.targetRate,
    sent: t.sent,
    dropped: t.dropped,
    answered: t.answered,
    ok: t.ok,
    achieved_rate: round(t.ok / sendWindowS, 1)!,
    sent_rate: round(sentRate, 1)!,
    latency_ms: { ok: latencyStats(t.okLatency), failed: latencyStats(t.failedLatency) },
    errors: t.errors,
    error_rate: round(errorRate, 4)!,
    max_schedule_lag_ms: round(t.maxScheduleLagMs)!,
    exit_code: exit,
    message,
  };
}
