/** Pure roll-ups of per-run results into the report's median/spread figures. */
import { spread } from './stats.js';
import type { LoadSummary, Usage, WrkResult } from './types.js';

export function summarizeLoad(runs: ReadonlyArray<{ wrk: WrkResult; usage: Usage }>): LoadSummary {
  return {
    rps: spread(runs.map((r) => r.wrk.rps)),
    p50_ms: spread(runs.map((r) => r.wrk.latency_ms.p50)),
    p95_ms: spread(runs.map((r) => r.wrk.latency_ms.p95)),
    p99_ms: spread(runs.map((r) => r.wrk.latency_ms.p99)),
    max_ms: spread(runs.map((r) => r.wrk.latency_ms.max)),
    errors: spread(runs.map((r) => r.wrk.errors)),
    rss_max_mb: spread(runs.map((r) => r.usage.rss_max_mb)),
    cpu_pct: spread(runs.map((r) => r.usage.cpu_pct)),
    redis_cpu_pct: spread(runs.map((r) => r.usage.redis_cpu_pct)),
  };
}
