import { uploadSerial } from '../records/device-serial.js';
import { uploadToRows } from '../records/to-rows.js';
import { decodeEntry, deadLetterStream, type StreamDefinition } from '../wire-format.js';

/**
 * Reading and re-building dead letters (`<stream>:dlq`). A dead letter is the seven fields
 * dead-letter.ts writes first (`original_id` .. `failed_at`), followed by the original entry's
 * fields when they were known. Pure functions: the routes do the Redis work.
 */
export const DEAD_LETTER_KEYS = ['original_id', 'stream', 'group', 'reason', 'deliveries', 'consumer', 'failed_at'] as const;
const META = new Set<string>(DEAD_LETTER_KEYS);

export interface DeadLetterEntry {
  /** The dead letter's own id in `<stream>:dlq`. */
  id: string;
  meta: Record<string, string>;
  /** The original entry's flat [name, value, ...] list, or null when the dead letter holds none. */
  original: string[] | null;
}

export function fieldMap(flat: readonly string[]): Record<string, string> {
  const map: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < flat.length; i += 2) map[flat[i]!] = flat[i + 1]!;
  return map;
}

/** Splits the dead-letter header from the original fields; the header ends at `failed_at` or its first unknown key. */
export function splitDeadLetter(id: string, fields: readonly string[]): DeadLetterEntry {
  const meta: Record<string, string> = Object.create(null);
  let i = 0;
  for (; i + 1 < fields.length; i += 2) {
    const key = fields[i]!;
    if (!META.has(key) || key in meta) break;
    meta[key] = fields[i + 1]!;
    if (key === 'failed_at') {
      i += 2;
      break;
    }
  }
  const original = fields.slice(i);
  return { id, meta, original: original.length >= 2 ? original : null };
}

function isoOfMs(text: string | undefined): string | null {
  const ms = text === undefined ? NaN : Number(text);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

function numberOrNull(text: string | undefined): number | null {
  const n = text === undefined || text === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : null;
}

const LIST_PAYLOAD_LIMIT = 2_000;

/** One line of `GET /api/dlq?stream=`: the payload as stored, cut at 2,000 characters in lists. */
export function summariseDeadLetter(entry: DeadLetterEntry, payloadLimit = LIST_PAYLOAD_LIMIT) {
  const original = entry.original ? fieldMap(entry.original) : null;
  const payload = original?.payload ?? null;
  const truncated = payload !== null && payload.length > payloadLimit;
  return {
    id: entry.id,
    original_id: entry.meta.original_id ?? null,
    reason: entry.meta.reason ?? null,
    deliveries: numberOrNull(entry.meta.deliveries),
    consumer: entry.meta.consumer ?? null,
    failed_at: isoOfMs(entry.meta.failed_at),
    device_sn: original?.device_sn || null,
    message_type: original?.message_type ?? null,
    uuid: original?.uuid || null,
    payload: truncated ? payload.slice(0, payloadLimit) : payload,
    ...(truncated ? { payload_truncated: true } : {}),
  };
}

/**
 * `GET /api/dlq/entry`: everything. `original` is what a replay would start from: the dead
 * letter's copy, or (for a record the database refused, whose dead letter holds no copy) the
 * entry still in the stream, passed in by the caller.
 */
export function describeDeadLetter(definition: StreamDefinition, entry: DeadLetterEntry, fromStream: string[] | null, allFields: readonly string[]) {
  const originalFlat = entry.original ?? fromStream;
  const original = originalFlat ? fieldMap(originalFlat) : null;
  let envelope: unknown = null;
  let payloadError: string | null = null;
  if (original?.payload === undefined) payloadError = original ? 'the original entry has no payload field' : 'the original entry is unknown';
  else {
    try {
      envelope = JSON.parse(original.payload);
    } catch (error) {
      payloadError = `payload is not JSON: ${(error as Error).message}`;
    }
  }
  return {
    stream: definition.stream,
    dead_letter_stream: deadLetterStream(definition.stream),
    ...summariseDeadLetter({ ...entry, original: originalFlat }, Number.MAX_SAFE_INTEGER),
    group: entry.meta.group ?? null,
    accepted_at: original ? isoOfMs(original.timestamp) : null,
    original_source: entry.original ? 'dead_letter' : fromStream ? 'stream' : null,
    original_fields: original ? { ...original } : null,
    envelope,
    payload_error: payloadError,
    fields: { ...fieldMap(allFields) },
  };
}

type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** RFC 7396 JSON merge patch: objects merge key by key, `null` removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target)) for (const [key, value] of Object.entries(target)) setOwn(result, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setOwn(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

export interface ReplayChanges {
  /** Merged into the data (an object) or into every element (a list). */
  patch?: JsonObject | undefined;
  /** A whole envelope (an object with a `data` key) or just the data, replacing the original payload. */
  payload?: unknown;
}

export type BuiltReplay = { ok: true; fields: string[] } | { ok: false; error: string };

const REPLACE_HINT = 'replay it with a payload replacement ("payload" in the request, --payload on the CLI)';

function startingEnvelope(original: Record<string, string> | null, changes: ReplayChanges): { ok: true; envelope: JsonObject } | { ok: false; error: string } {
  let parsed: JsonObject | undefined;
  if (original?.payload !== undefined) {
    try {
      const value: unknown = JSON.parse(original.payload);
      if (isJsonObject(value)) parsed = value;
    } catch {
      // Reported below unless a replacement makes it irrelevant.
    }
  }
  if (changes.payload !== undefined) {
    const replacement = isJsonObject(changes.payload) && Object.hasOwn(changes.payload, 'data') ? changes.payload : { data: changes.payload };
    const envelope: JsonObject = {};
    for (const source of [parsed ?? {}, replacement]) for (const [key, value] of Object.entries(source)) setOwn(envelope, key, value);
    return { ok: true, envelope };
  }
  if (!original) return { ok: false, error: `the dead letter holds no copy of the original entry and the entry is gone from the stream: ${REPLACE_HINT}` };
  if (original.payload === undefined) return { ok: false, error: `the original entry has no payload field: ${REPLACE_HINT}` };
  if (!parsed) return { ok: false, error: `the original payload is not a JSON object: ${REPLACE_HINT}` };
  return { ok: true, envelope: parsed };
}

function applyPatch(data: unknown, patch: JsonObject): { ok: true; data: unknown } | { ok: false; error: string } {
  if (isJsonObject(data)) return { ok: true, data: mergePatch(data, patch) };
  if (Array.isArray(data)) {
    const bad = data.findIndex((element) => !isJsonObject(element));
    if (bad !== -1) return { ok: false, error: `cannot patch: element ${bad} of the data is not a JSON object; ${REPLACE_HINT}` };
    return { ok: true, data: data.map((element) => mergePatch(element, patch)) };
  }
  return { ok: false, error: `cannot patch: the data is ${data === undefined ? 'missing' : `a ${data === null ? 'null' : typeof data}`}, not an object or a list; ${REPLACE_HINT}` };
}

/**
 * The fields to XADD for a replay: the original entry's fields with the (patched or replaced)
 * payload. The ingest key is kept (the original `uuid`, or `<stream>/<original id>` which a
 * consumer derives for an entry without one), so the database's unique ingest id makes a
 * replay after a partial success, or a second replay, harmless. The result is checked the
 * way a consumer will read it, so a replay that would only be dead-lettered again is refused.
 */
export function buildReplayFields(definition: StreamDefinition, entry: DeadLetterEntry, fromStream: string[] | null, changes: ReplayChanges): BuiltReplay {
  const originalFlat = entry.original ?? fromStream;
  const original = originalFlat ? fieldMap(originalFlat) : null;
  const start = startingEnvelope(original, changes);
  if (!start.ok) return start;
  const envelope = start.envelope;
  let data = envelope.data;
  if (changes.patch) {
    const patched = applyPatch(data, changes.patch);
    if (!patched.ok) return patched;
    data = patched.data;
  }

  const originalId = entry.meta.original_id;
  const idMs = originalId ? Number(originalId.split('-')[0]) : NaN;
  const fieldMs = numberOrNull(original?.timestamp);
  const envelopeSeconds = typeof envelope.timestamp === 'number' && Number.isFinite(envelope.timestamp) ? envelope.timestamp : null;
  const acceptedMs = fieldMs !== null && fieldMs > 0 ? fieldMs : envelopeSeconds !== null ? Math.round(envelopeSeconds * 1000) : Number.isFinite(idMs) ? idMs : Date.now();
  const uuid = original?.uuid ? original.uuid : `${definition.stream}/${originalId ?? `dlq/${entry.id}`}`;
  const knownSerial = original?.device_sn || (typeof envelope.device_sn === 'string' || typeof envelope.device_sn === 'number' ? String(envelope.device_sn) : undefined) || undefined;
  const deviceSn = uploadSerial(definition.kind, data, knownSerial) ?? knownSerial ?? '';
  const messageType = original?.message_type || (typeof envelope.message_type === 'string' ? envelope.message_type : '') || definition.kind;

  const rebuilt: JsonObject = {};
  setOwn(rebuilt, 'data', data);
  setOwn(rebuilt, 'device_sn', deviceSn);
  setOwn(rebuilt, 'message_type', messageType);
  setOwn(rebuilt, 'timestamp', envelopeSeconds ?? acceptedMs / 1000);
  setOwn(rebuilt, 'api_version', typeof envelope.api_version === 'string' ? envelope.api_version : 'v2');
  for (const [key, value] of Object.entries(envelope)) if (!Object.hasOwn(rebuilt, key)) setOwn(rebuilt, key, value);

  const fields = ['timestamp', String(acceptedMs), 'uuid', uuid, 'payload', JSON.stringify(rebuilt), 'device_sn', deviceSn, 'message_type', messageType];
  // Fields another producer added travel along unchanged.
  if (original) for (const [key, value] of Object.entries(original)) if (!['timestamp', 'uuid', 'payload', 'device_sn', 'message_type'].includes(key)) fields.push(key, value);

  try {
    const decoded = decodeEntry(definition.stream, originalId ?? entry.id, fields);
    uploadToRows(definition.kind, decoded.data, { ingestKey: decoded.ingestKey, acceptedAtMs: decoded.acceptedAtMs, uploadMethod: 'stream_v2', ...(decoded.deviceSn ? { envelopeSerial: decoded.deviceSn } : {}) });
  } catch (error) {
    return { ok: false, error: `it would fail again (${(error as Error).message}): fix it with a patch ("patch", --patch) or ${REPLACE_HINT}` };
  }
  return { ok: true, fields };
}
