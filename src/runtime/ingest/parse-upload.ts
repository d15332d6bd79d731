import { isTestDevice } from '../../shared/test-devices.js';
import { elementSerial, uploadSerial } from '../records/device-serial.js';
import { decimalValue } from '../records/decimal.js';
import { isDeviceTimeText } from '../records/device-time.js';
import { HEALTH_FIELD_COLUMNS } from '../records/rows.js';
import type { RecordKind } from '../wire-format.js';

export interface AcceptedUpload {
  kind: RecordKind;
  /**
   * The JSON text of the envelope's `data` (spec §2): for health data the body's `data` member,
   * for device info and events the body as received (trimmed, embedded verbatim).
   */
  rawData: string;
  /** The readings: one object, or a list of them. */
  data: unknown;
  deviceSn: string;
  /** Records the upload holds: list elements, or 1. */
  records: number;
  /** Records whose own serial is a test device's; the ledger counts them apart, as the check does per row. */
  testRecords: number;
}

export type UploadVerdict = { ok: true; upload: AcceptedUpload } | { ok: false; status: number; message: string };

/** A list upload beyond this many readings is a client bug or an attack; the devices send tens. */
export const MAX_ELEMENTS = 1_000;
/** Telemetry is flat; sleepData nests two or three levels. Deeper input is refused before it can cost a stack. */
export const MAX_DEPTH = 16;
const MAX_STRING_FIELD = 256;
const NUMERIC_KEYS = Object.keys(HEALTH_FIELD_COLUMNS);

function reject(status: number, message: string): UploadVerdict {
  return { ok: false, status, message };
}

function depthExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof child === 'object' && child !== null && depthExceeds(child, limit - 1)) return true;
  }
  return false;
}

function numericProblem(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must be a finite number';
  return decimalValue(value) === null ? 'must be a number (or a decimal string such as "72")' : undefined;
}

/**
 * A serial sent as a JSON number is kept only while it is an exact integer: past 2^53 JSON.parse
 * has already rounded it (9007199254740993 reads as ...992), so two devices would share one key.
 */
function serialProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) ? undefined : `is not an exact integer (numbers past 2^53 lose digits in JSON): send the serial as a string`;
  }
  if (typeof value !== 'string' || value.length > MAX_STRING_FIELD) return `must be a string of at most ${MAX_STRING_FIELD} characters`;
  return undefined;
}

function elementProblem(kind: RecordKind, element: unknown, path: string): string | undefined {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return `${path} must be a JSON object`;
  const fields = element as Record<string, unknown>;
  if (kind === 'health_data') {
    for (const key of NUMERIC_KEYS) {
      if (!Object.hasOwn(fields, key)) continue;
      const problem = numericProblem(fields[key]);
      if (problem) return `${path}.${key} ${problem}`;
    }
  }
  for (const key of ['deviceSn', 'id', 'SerialNumber', 'eventType'] as const) {
    if (!Object.hasOwn(fields, key)) continue;
    const problem = serialProblem(fields[key]);
    if (problem) return `${path}.${key} ${problem}`;
  }
  const timestamp = fields.timestamp;
  if (timestamp !== undefined && timestamp !== null && typeof timestamp !== 'number' && (typeof timestamp !== 'string' || timestamp.length > 64 || (timestamp.trim() !== '' && !isDeviceTimeText(timestamp)))) {
    return `${path}.timestamp must be a number or a date string`;
  }
  return undefined;
}

/** What a health body must look like, quoted in every refusal of its shape. */
export const HEALTH_BODY_SHAPE = 'health data is sent as {"data": {...readings...}} or {"data": [{...}, ...]}';

/**
 * The readings of a parsed body and their JSON text. Health data carries them in its `data`
 * member, as the original's devices send it (`upload_health_data_stream()` in the reference
 * service); device info and events are the body itself.
 */
function readingsOf(kind: RecordKind, body: unknown, bodyText: string): { data: unknown; rawData: string; path: string } | string {
  if (kind !== 'health_data') {
    if (typeof body !== 'object' || body === null) return 'body must be a JSON object or a list of objects';
    return { data: body, rawData: bodyText, path: 'body' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `body must be a JSON object: ${HEALTH_BODY_SHAPE}`;
  if (!Object.hasOwn(body, 'data')) return `body has no "data" member: ${HEALTH_BODY_SHAPE}`;
  const data = (body as Record<string, unknown>).data;
  if (typeof data !== 'object' || data === null) return `"data" must be an object or a list of objects: ${HEALTH_BODY_SHAPE}`;
  return { data, rawData: dataMemberText(body as Record<string, unknown>, bodyText) ?? JSON.stringify(data), path: 'data' };
}

const DATA_KEY_FIRST = /^\{\s*"data"\s*:/;

/**
 * The `data` member's text exactly as the client sent it, when the body holds nothing else (the
 * devices' `{"data": ...}`): then the value is everything between that colon and the closing
 * brace. Saves a re-serialisation (2 us of the 3.5 us parse per upload) and keeps the client's
 * digits (`36.50`, long integers) in the stream entry. Undefined for any other layout (extra
 * members, an escaped key), which then costs a JSON.stringify.
 */
function dataMemberText(body: Record<string, unknown>, bodyText: string): string | undefined {
  for (const key in body) if (key !== 'data') return undefined;
  const head = DATA_KEY_FIRST.exec(bodyText);
  if (!head) return undefined;
  return bodyText.slice(head[0].length, bodyText.lastIndexOf('}')).trim();
}

/**
 * Judges one upload body (the HTTP request's text). Pure, so every rule is tested without a
 * socket. Health data must be `{"data": {...}}` or `{"data": [{...}, ...]}`; device info and
 * events a flat object (a list of them is also taken). Rejections carry the HTTP status (400, or
 * 413 for a list over MAX_ELEMENTS) and a message naming the offending field.
 */
export function parseUpload(kind: RecordKind, body: string): UploadVerdict {
  const bodyText = body.trim();
  if (bodyText === '') return reject(400, 'empty or missing JSON body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch (error) {
    return reject(400, `malformed JSON: ${(error as Error).message.slice(0, 120)}`);
  }
  if (depthExceeds(parsed, MAX_DEPTH)) return reject(400, `body nests deeper than ${MAX_DEPTH} levels`);
  const readings = readingsOf(kind, parsed, bodyText);
  if (typeof readings === 'string') return reject(400, readings);
  const { data, rawData } = readings;
  const elements = Array.isArray(data) ? data : [data];
  if (elements.length === 0) return reject(400, `empty list in ${readings.path}: nothing to upload`);
  if (elements.length > MAX_ELEMENTS) return reject(413, `list of ${elements.length} records is over the limit of ${MAX_ELEMENTS}`);
  for (let i = 0; i < elements.length; i++) {
    const problem = elementProblem(kind, elements[i], Array.isArray(data) ? `${readings.path === 'body' ? '' : readings.path}[${i}]` : readings.path);
    if (problem) return reject(400, problem);
  }
  const deviceSn = uploadSerial(kind, data);
  if (!deviceSn) return reject(400, `no device serial: ${kind === 'device_info' ? 'SerialNumber or deviceSn' : 'deviceSn or id'} is required`);
  let testRecords = 0;
  for (const element of elements) if (isTestDevice(elementSerial(kind, element, deviceSn)!)) testRecords++;
  return { ok: true, upload: { kind, rawData, data, deviceSn, records: elements.length, testRecords } };
}
