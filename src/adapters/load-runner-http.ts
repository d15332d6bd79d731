import { runLoad, type HttpLoadOptions } from '../checks/adapters/http-load.js';
import { parseMix } from '../checks/load/mix.js';
import type { LoadReport } from '../checks/load/report.js';
import type { LoadHandle, LoadRunner, LoadSpec, LoadSummary } from '../ports/load-runner.js';
import { errorMessage } from '../shared/errors.js';

export interface HttpLoadRunnerOptions {
  /** The service under the cutover: the load goes to the same base URL as the admin API. */
  target: string;
  token?: string;
  /** Device serial prefix (default `LOAD_`, as `streamctl load`). */
  devicePrefix?: string;
  /** Default device count when a step does not say (1000, as `streamctl load`). */
  devices?: number;
  /** Default pool size when a step does not say (32). */
  connections?: number;
  /**
   * Per-request timeout (default 10 s). Stopping waits for the requests in flight, so this
   * bounds how long a step end waits on a stalled service.
   */
  timeoutMs?: number;
  /** The generator; tests pass a fake. */
  run?: (options: HttpLoadOptions, signal: AbortSignal) => Promise<LoadReport>;
}

/** Turns the generator's report into the journal's summary. Pure. */
export function summariseLoad(report: LoadReport, stoppedEarly: boolean): LoadSummary {
  return {
    targetRate: report.target_rate,
    achievedRate: report.achieved_rate,
    sent: report.sent,
    ok: report.ok,
    dropped: report.dropped,
    errors: report.errors,
    errorRate: report.error_rate,
    p50Ms: report.latency_ms.ok.p50,
    p95Ms: report.latency_ms.ok.p95,
    p99Ms: report.latency_ms.ok.p99,
    failedLatency: { count: report.latency_ms.failed.count, p50Ms: report.latency_ms.failed.p50, p95Ms: report.latency_ms.failed.p95, p99Ms: report.latency_ms.failed.p99 },
    durationMs: report.duration_ms,
    stoppedEarly,
    message: report.message,
  };
}

function failedSummary(spec: LoadSpec, message: string, stoppedEarly: boolean): LoadSummary {
  return {
    targetRate: spec.rate, achievedRate: 0, sent: 0, ok: 0, dropped: 0, errors: {}, errorRate: 0,
    p50Ms: null, p95Ms: null, p99Ms: null, durationMs: 0, stoppedEarly, message: `load failed: ${message}`, error: message,
  };
}

/**
 * The `LoadRunner` port over `streamctl load`'s open-loop generator (undici pool): a step's
 * `load:` runs in the background from the moment the step starts until the engine stops it.
 */
export class HttpLoadRunner implements LoadRunner {
  constructor(private readonly options: HttpLoadRunnerOptions) {}

  async start(spec: LoadSpec): Promise<LoadHandle> {
    // Both throw a UsageError for what cannot work at all, before a single request.
    const mix = parseMix(undefined, spec.endpoint);
    new URL(this.options.target);
    const abort = new AbortController();
    const run = this.options.run ?? runLoad;
    const finished = run(
      {
        target: this.options.target,
        rate: spec.rate,
        durationMs: spec.durationMs,
        devices: spec.devices ?? this.options.devices ?? 1000,
        connections: spec.connections ?? this.options.connections ?? 32,
        mix,
        devicePrefix: this.options.devicePrefix ?? 'LOAD_',
        timeoutMs: this.options.timeoutMs ?? 10_000,
        ...(this.options.token ? { token: this.options.token } : {}),
      },
      abort.signal,
    ).then(
      (report) => summariseLoad(report, abort.signal.aborted && report.duration_ms < spec.durationMs),
      (error: unknown) => failedSummary(spec, errorMessage(error), abort.signal.aborted),
    );
    return {
      stop: () => {
        abort.abort();
        return finished;
      },
    };
  }
}
