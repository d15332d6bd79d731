import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../shared/errors.js';
import { canStillAnswer } from '../http/answerable.js';
import { BodyError, checkJsonContentType, readBody } from '../http/read-body.js';
import { sendIngestError, sendJson } from '../http/respond.js';
import { uploadToRows } from '../records/to-rows.js';
import type { RuntimeContext } from '../runtime-context.js';
import { STREAMS, encodeEntryFields, type RecordKind } from '../wire-format.js';
import { parseUpload, type AcceptedUpload } from './parse-upload.js';
import { choosePath, type IngestPath } from './route-decision.js';

export type Endpoint = 'v2' | 'legacy';

const ACCEPTED_MESSAGE: Record<RecordKind, string> = {
  health_data: 'Health data accepted for processing',
  device_info: 'Device info accepted for processing',
  common_event: 'Event accepted for processing',
};

type Outcome =
  | { path: IngestPath; failedStream: boolean; status: 200; body: Record<string, unknown> }
  | { path: IngestPath; failedStream: boolean; status: number; body: Record<string, unknown>; headers?: Record<string, string> };

function acceptedBody(kind: RecordKind, streamId: string | null, extra?: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { status: 'accepted', stream_id: streamId, message: ACCEPTED_MESSAGE[kind] };
  if (kind === 'health_data') body.processing = 'async';
  return extra ? { ...body, ...extra } : body;
}

function countAccepted(rt: RuntimeContext, method: 'stream_v2' | 'optimized', upload: AcceptedUpload, acceptedAtMs: number): void {
  if (upload.records > upload.testRecords) rt.ledger.count(method, upload.kind, false, upload.records - upload.testRecords, acceptedAtMs);
  if (upload.testRecords > 0) rt.ledger.count(method, upload.kind, true, upload.testRecords, acceptedAtMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The legacy batch path: rows go to the in-memory queue and the answer is the original's `success`. */
function acceptTraditional(rt: RuntimeContext, upload: AcceptedUpload, acceptedAtMs: number, ingestKey: string, asFallback: boolean, failedStream: boolean): Outcome {
  if (rt.queue.full) {
    return { path: 'traditional', failedStream, status: 503, body: { status: 'error', message: 'the batch queue is full; retry shortly' }, headers: { 'retry-after': '1' } };
  }
  const rows = uploadToRows(upload.kind, upload.data, { ingestKey, acceptedAtMs, uploadMethod: 'optimized' });
  // The source travels with the rows: a record the database refuses becomes a replayable dead letter.
  rt.queue.enqueue({ rows, source: { kind: upload.kind, rawData: upload.rawData, deviceSn: upload.deviceSn, acceptedAtMs, ingestKey } });
  countAccepted(rt, 'optimized', upload, acceptedAtMs);
  if (asFallback) {
    rt.counters.fallbacks++;
    return { path: 'traditional', failedStream, status: 200, body: acceptedBody(upload.kind, null, { path: 'traditional', message: 'accepted on the batch path while the stream path is unavailable' }) };
  }
  return { path: 'traditional', failedStream, status: 200, body: batchAcceptedBody(upload) };
}

/**
 * The original batch path's answer (`optimized_upload_health_data()` in the reference service):
 * `{status, message}` for one reading, plus `details` counts for a list. Every element is queued
 * (none is skipped as a duplicate or refused), so `duplicate` and `error` are 0.
 */
function batchAcceptedBody(upload: AcceptedUpload): Record<string, unknown> {
  if (!Array.isArray(upload.data)) return { status: 'success', message: 'Data queued for batch processing' };
  return {
    status: 'success',
    message: `Batch queued for processing: ${upload.records} records`,
    details: { success: upload.records, duplicate: 0, error: 0 },
  };
}

async function acceptOnStream(rt: RuntimeContext, upload: AcceptedUpload, acceptedAtMs: number): Promise<Outcome> {
  const definition = STREAMS[upload.kind];
  const { chaos } = rt;
  if (chaos.stream_extra_latency_ms > 0) await sleep(chaos.stream_extra_latency_ms);
  if (chaos.stream_error_rate > 0 && Math.random() < chaos.stream_error_rate) {
    rt.counters.chaosErrors++;
    return { path: 'stream', failedStream: true, status: 500, body: { status: 'error', message: 'injected stream error (chaos)' } };
  }
  const monitor = rt.monitors[upload.kind];
  if (monitor.saturated) {
    rt.counters.backpressured++;
    return {
      path: 'stream', failedStream: true, status: 503,
      body: { status: 'error', message: `${definition.stream} backlog is at its cap of ${definition.maxLen}; retry shortly` },
      headers: { 'retry-after': '1' },
    };
  }
  const ingestKey = randomUUID();
  if (!rt.breaker.allow()) return acceptTraditional(rt, upload, acceptedAtMs, ingestKey, true, false);
  try {
    const id = await rt.producer.add(definition, encodeEntryFields(upload.kind, upload.rawData, upload.deviceSn, acceptedAtMs, ingestKey));
    rt.breaker.success();
    monitor.noteAdded();
    countAccepted(rt, 'stream_v2', upload, acceptedAtMs);
    return { path: 'stream', failedStream: false, status: 200, body: acceptedBody(upload.kind, id) };
  } catch (error) {
    rt.breaker.failure();
    rt.counters.streamErrors++;
    rt.counters.lastErrorTime = Date.now();
    rt.logger.throttled('xadd', 10_000, 'warn', 'stream path failed; upload taken by the batch path', { stream: definition.stream, error: errorMessage(error) });
    // The XADD may have landed with its reply lost. The batch path stores the upload under the
    // same ingest key, so if the entry is consumed too, the unique ingest id keeps one row.
    return acceptTraditional(rt, upload, acceptedAtMs, ingestKey, true, true);
  }
}

/**
 * POST /upload_*: the v2 endpoints always take the stream path; the legacy ones follow the ratio.
 * One latency sample per answered upload, under the path it took first, so a stream path that
 * fails over to the batch path still shows as a stream error to the cutover.
 */
export async function handleUpload(rt: RuntimeContext, req: IncomingMessage, res: ServerResponse, kind: RecordKind, endpoint: Endpoint): Promise<void> {
  const started = performance.now();
  let body: string;
  try {
    checkJsonContentType(req);
    body = await readBody(req, rt.options.maxBodyBytes);
  } catch (error) {
    const status = error instanceof BodyError ? error.status : 400;
    sendIngestError(res, status, errorMessage(error), status === 413 ? { connection: 'close' } : undefined);
    return;
  }
  // Answered 408 while the body was still coming (requestTimeout): the device was told its upload
  // failed and will send it again, so storing this copy would make a duplicate.
  if (!canStillAnswer(req, res)) return;
  const verdict = parseUpload(kind, body);
  if (!verdict.ok) {
    sendIngestError(res, verdict.status, verdict.message);
    return;
  }
  const upload = verdict.upload;
  const acceptedAtMs = Date.now();
  const path = endpoint === 'v2' ? 'stream' : choosePath(rt.ratio.current, rt.options.routing, upload.deviceSn);
  let outcome: Outcome;
  try {
    outcome = path === 'stream' ? await acceptOnStream(rt, upload, acceptedAtMs) : acceptTraditional(rt, upload, acceptedAtMs, randomUUID(), false, false);
  } catch (error) {
    rt.logger.throttled('ingest', 10_000, 'error', 'upload could not be accepted', { kind, error: errorMessage(error) });
    outcome = { path, failedStream: path === 'stream', status: 500, body: { status: 'error', message: `upload not accepted: ${errorMessage(error)}` } };
  }
  const headers = { 'x-streamctl-path': outcome.path, ...('headers' in outcome ? outcome.headers : undefined) };
  sendJson(res, outcome.status, outcome.body, headers);
  const attempted: IngestPath = path === 'stream' && (outcome.path === 'stream' || outcome.failedStream) ? 'stream' : outcome.path;
  rt.metrics.record(attempted, performance.now() - started, outcome.status >= 500 || outcome.failedStream);
}
