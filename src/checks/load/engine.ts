import { loadBody } from './bodies.js';
import { LatencyHistogram } from './histogram.js';
import { mixPicker, type MixEntry } from './mix.js';
import { buildLoadReport, type LoadReport } from './report.js';

/** One request's fate: an HTTP status, or a network failure code. Never throws. */
export interface LoadClient {
  send(path: string, body: string): Promise<{ status: number } | { error: string }>;
}

export interface LoadOptions {
  target: string;
  /** Requests per second, released on schedule whatever the server does (open loop). */
  rate: number;
  durationMs: number;
  devices: number;
  mix: readonly MixEntry[];
  devicePrefix?: string;
  /** Requests outstanding beyond this are not sent and count as dropped (bounded client memory). */
  maxOutstanding?: number;
  /** Above this share of failed requests the run exits 1 (default 0.01 = 1 %). */
  maxErrorRate?: number;
  onProgress?: (progress: LoadProgress) => void;
  progressEveryMs?: number;
}

export interface LoadProgress {
  elapsedMs: number;
  durationMs: number;
  sent: number;
  answered: number;
  failed: number;
  /** p95 of the 2xx answers so far. */
  p95Ms: number | null;
}

export interface LoadClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: LoadClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Open-loop load: request i is due at start + i/rate and is released then (in a burst if the
 * timer was late), without waiting for earlier answers. Latency is measured from the due time,
 * not the actual send, so a server that stalls shows its stall in every request that waited
 * behind it (coordinated omission, after wrk2/HdrHistogram). Successes (2xx) and failures (any
 * other status, or a network failure, timed to when it was known) go to separate histograms: a
 * target that refuses 9 requests in 10 at once would otherwise show a fast p50 while every
 * accepted upload took 800 ms.
 */
export async function runLoadWith(client: LoadClient, options: LoadOptions, signal?: AbortSignal, clock: LoadClock = realClock): Promise<LoadReport> {
  const pick = mixPicker(options.mix);
  const succeeded = new LatencyHistogram();
  const failures = new LatencyHistogram();
  const errors: Record<string, number> = {};
  const maxOutstanding = options.maxOutstanding ?? 100_000;
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const intervalMs = 1000 / options.rate;
  const startedAtMs = clock.now();
  let sent = 0;
  let dropped = 0;
  let answered = 0;
  let ok = 0;
  let maxLag = 0;
  const outstanding = new Set<Promise<void>>();
  let lastProgress = startedAtMs;

  const progress = () => options.onProgress?.({ elapsedMs: clock.now() - startedAtMs, durationMs: options.durationMs, sent, answered, failed: sent + dropped - ok - outstanding.size, p95Ms: succeeded.quantileMs(0.95) });

  let i = 0;
  while (i < total && !signal?.aborted) {
    const now = clock.now();
    for (; i < total && startedAtMs + i * intervalMs <= now; i++) {
      const dueAt = startedAtMs + i * intervalMs;
      maxLag = Math.max(maxLag, now - dueAt);
      if (outstanding.size >= maxOutstanding) {
        dropped++;
        errors.client_backlog = (errors.client_backlog ?? 0) + 1;
        continue;
      }
      const entry = pick();
      sent++;
      const request = client.send(entry.path, loadBody(entry.kind, options.devicePrefix ?? 'LOAD_', options.devices, i, startedAtMs)).then((result) => {
        const latencyMs = clock.now() - dueAt;
        if ('status' in result && result.status >= 200 && result.status < 300) {
          answered++;
          ok++;
          succeeded.recordMs(latencyMs);
          return;
        }
        if ('status' in result) answered++;
        const key = 'status' in result ? String(result.status) : result.error;
        errors[key] = (errors[key] ?? 0) + 1;
        failures.recordMs(latencyMs);
      });
      outstanding.add(request);
      void request.finally(() => outstanding.delete(request));
    }
    if (options.onProgress && now - lastProgress >= (options.progressEveryMs ?? 250)) {
      lastProgress = now;
      progress();
    }
    if (i < total) await clock.sleep(startedAtMs + i * intervalMs - clock.now());
  }
  await Promise.all(outstanding);
  progress();
  return buildLoadReport({
    target: options.target,
    endpoints: options.mix.map((m) => ({ path: m.path, weight: m.weight })),
    startedAtMs,
    durationMs: signal?.aborted ? Math.min(options.durationMs, clock.now() - startedAtMs) : options.durationMs,
    elapsedMs: clock.now() - startedAtMs,
    targetRate: options.rate,
    sent,
    dropped,
    answered,
    ok,
    errors,
    okLatency: succeeded,
    failedLatency: failures,
    maxScheduleLagMs: maxLag,
    maxErrorRate: options.maxErrorRate ?? 0.01,
  });
}
