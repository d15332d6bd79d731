import { assignRows, classifySample, expectedMethods, type SideOutcome, type StoredRow } from './classify.js';
import { buildValidationReport, type ValidationReport } from './report.js';
import { DEVICES_PER_RUN, deviceSerial, generateSample, newRunId, uploadBody, type ValidationSample } from './samples.js';

export interface UploadSender {
  /** Throws UnreachableError when nothing answers at the target; any HTTP answer will do. */
  probe(): Promise<void>;
  send(path: string, body: string): Promise<SideOutcome>;
}

export interface SampleRowSource {
  /** Every stored health row of these device serials, on either path. */
  rowsOf(deviceSns: readonly string[]): Promise<StoredRow[]>;
}

export interface ValidateOptions {
  target: string;
  /** Samples per second; each sample is two requests, one per endpoint, sent together. */
  rate: number;
  durationMs: number;
  /** Samples in flight at most (spec §2: a pool of 10 workers). */
  concurrency: number;
  tolerance: number;
  maxExamples: number;
  minSamples: number;
  /** How long to wait after the last answer for rows to appear (bounded: the traditional path flushes every second). */
  persistTimeoutMs: number;
  pollIntervalMs?: number;
  oldPath?: string;
  newPath?: string;
  runId?: string;
  onProgress?: (progress: { sent: number; total: number; phase: 'sending' | 'waiting' }) => void;
}

export interface ValidateDeps {
  sender: UploadSender;
  rows: SampleRowSource;
  /** Wall time, ms: the samples' device times and the report's start and end. */
  now?: () => number;
  /**
   * Monotonic ms for the send pacing and the persist deadline, so a wall-clock step neither
   * stretches nor cuts the wait: `performance.now()`, or `now` when a test gives only that.
   */
  monotonic?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function rowKey(deviceSn: unknown, timestamp: unknown): string {
  // NUL cannot occur in either part: no two (serial, time) pairs share a key (design §8).
  return `${String(deviceSn)}\u0000${String(timestamp)}`;
}

interface Sent {
  sample: ValidationSample;
  old: SideOutcome;
  neu: SideOutcome;
}

/**
 * Dual-send validation (spec §2, done better): the same upload to the old and new endpoint at
 * once, at `rate` for `duration`, then a bounded wait until both rows are in the database, then a
 * field-by-field comparison. Aborting stops sending and judges what was sent.
 */
export async function runValidation(deps: ValidateDeps, options: ValidateOptions, signal?: AbortSignal): Promise<ValidationReport> {
  const now = deps.now ?? Date.now;
  const monotonic = deps.monotonic ?? deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? defaultSleep;
  const runId = options.runId ?? newRunId();
  const oldPath = options.oldPath ?? '/upload_health_data';
  const newPath = options.newPath ?? '/upload_health_data_v2';
  await deps.sender.probe();

  const total = Math.max(1, Math.floor((options.rate * options.durationMs) / 1000));
  const startedAtMs = now();
  const startedMono = monotonic();
  const sent: Sent[] = [];
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < total && !signal?.aborted; i++) {
    await sleep(startedMono + (i * 1000) / options.rate - monotonic());
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const sample = generateSample(runId, i, startedAtMs);
    const body = uploadBody(sample);
    const task = Promise.all([deps.sender.send(oldPath, body), deps.sender.send(newPath, body)]).then(([old, neu]) => {
      sent.push({ sample, old, neu });
      options.onProgress?.({ sent: sent.length, total, phase: 'sending' });
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
  sent.sort((a, b) => a.sample.index - b.sample.index);

  // Wait, bounded, until every sample both sides accepted has both of its rows.
  const devices = Array.from({ length: Math.min(total, DEVICES_PER_RUN) }, (_, i) => deviceSerial(runId, i));
  const awaited = sent.filter((s) => s.old.result === 'ok' && s.neu.result === 'ok');
  const deadline = monotonic() + options.persistTimeoutMs;
  let byKey = new Map<string, StoredRow[]>();
  for (;;) {
    byKey = new Map();
    for (const row of await deps.rows.rowsOf(devices)) {
      const key = rowKey(row.device_sn, row.timestamp);
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    }
    const waiting = awaited.filter((s) => {
      const { oldRow, newRow } = assignRows(byKey.get(rowKey(s.sample.deviceSn, s.sample.deviceTimeIso)) ?? [], expectedMethods(s.old));
      return !oldRow || !newRow;
    }).length;
    options.onProgress?.({ sent: sent.length - waiting, total, phase: 'waiting' });
    if (waiting === 0 || monotonic() >= deadline || signal?.aborted) break;
    await sleep(options.pollIntervalMs ?? 250);
  }

  const verdicts = sent.map((s) => classifySample(s.sample, s.old, s.neu, byKey.get(rowKey(s.sample.deviceSn, s.sample.deviceTimeIso)) ?? [], options.tolerance));
  return buildValidationReport({
    target: options.target,
    runId,
    startedAtMs,
    finishedAtMs: now(),
    rate: options.rate,
    durationMs: options.durationMs,
    tolerance: options.tolerance,
    maxExamples: options.maxExamples,
    minSamples: options.minSamples,
    verdicts,
    old: sent.map((s) => s.old),
    neu: sent.map((s) => s.neu),
  });
}
