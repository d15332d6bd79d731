import type { MetricsSnapshot } from '../ports/metrics-source.js';
import type { JudgedSnapshot } from './analysis.js';
import { countersInterval, cumulativeInterval, unknownInterval, type Reading } from './interval.js';
import type { Run } from './run.js';

/**
 * Reads the target the way this run judges it. The first read asks for the counters; a target
 * without them (404) is read through `/api/stream_metrics` from then on, and the run says once,
 * in a journalled warning, what that means for its judgement. Rejects when the target cannot be read.
 */
export async function readTarget(run: Run): Promise<Reading> {
  const { metrics } = run.deps;
  if (run.metricsKind !== 'metrics' && metrics.readCounters) {
    const counters = await metrics.readCounters();
    if (counters !== null) {
      run.metricsKind = 'counters';
      return { kind: 'counters', counters };
    }
  }
  const snapshot = await metrics.read();
  if (run.metricsKind !== 'metrics') {
    run.metricsKind = 'metrics';
    await run.record({ type: 'warning', message: fallbackWarning(snapshot) });
  }
  return { kind: 'metrics', snapshot };
}

/**
 * The baseline every following sample is differenced from: taken at each ratio change, right
 * after the read-back, so traffic from before it (another run's errors, the old ratio's traffic)
 * is never judged. A failed read leaves no baseline: the next sample then says so.
 */
export async function takeBaseline(run: Run): Promise<void> {
  run.baseline = await readTarget(run).catch(() => undefined);
}

/**
 * Reads the target and returns the traffic since the previous read (the baseline, then each
 * sample's own read), which becomes the next baseline. Rejects when the target cannot be read.
 */
export async function readInterval(run: Run): Promise<JudgedSnapshot> {
  const reading = await readTarget(run);
  const previous = run.baseline;
  run.baseline = reading;
  // A sliding window needs no baseline: it is judged as it is (and the run said so at its start).
  if (reading.kind === 'metrics' && reading.snapshot.windowSeconds !== null) return cumulativeInterval(reading.snapshot, reading.snapshot);
  if (previous === undefined || previous.kind !== reading.kind) {
    const timestamp = reading.kind === 'counters' ? reading.counters.timestamp : reading.snapshot.timestamp;
    return unknownInterval('no baseline to difference from (the read at the ratio change failed): this read is the next sample\'s baseline', timestamp);
  }
  if (previous.kind === 'counters' && reading.kind === 'counters') return countersInterval(previous.counters, reading.counters);
  return cumulativeInterval((previous as { snapshot: MetricsSnapshot }).snapshot, (reading as { snapshot: MetricsSnapshot }).snapshot);
}

/** What a target without counters is judged on, said once at the start of the run. */
function fallbackWarning(snapshot: MetricsSnapshot): string {
  if (snapshot.windowSeconds === null) {
    return 'the target\'s metrics are cumulative since it started (no GET /api/stream_metrics/counters): error rate is judged on counter differences per interval; p95 is cumulative since the service started, not per interval';
  }
  return `the target offers no cumulative counters (no GET /api/stream_metrics/counters) and its metrics are a ${snapshot.windowSeconds} s sliding window: each sample judges that window, which may hold traffic from before its interval`;
}
