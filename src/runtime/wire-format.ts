/**
 * The stream layout and entry format of the service being migrated (spec §2). Other consumers
 * (the original Python workers among them) read what this writes, so names and fields are fixed.
 */
export type RecordKind = 'health_data' | 'device_info' | 'common_event';

export interface StreamDefinition {
  kind: RecordKind;
  stream: string;
  group: string;
  /** The spec's approximate MAXLEN; here it is the backlog cap, never a blind trim (design §3). */
  maxLen: number;
  ttlDays: number;
}

export const STREAMS: Record<RecordKind, StreamDefinition> = {
  health_data: { kind: 'health_data', stream: 'health_data_stream', group: 'health_processors', maxLen: 100_000, ttlDays: 7 },
  device_info: { kind: 'device_info', stream: 'device_info_stream', group: 'device_processors', maxLen: 50_000, ttlDays: 30 },
  common_event: { kind: 'common_event', stream: 'common_event_stream', group: 'event_processors', maxLen: 200_000, ttlDays: 3 },
};

export const RECORD_KINDS = Object.keys(STREAMS) as RecordKind[];

/**
 * An optional entry field naming the path a record was accepted on, when that is not the stream
 * path: batch-path dead letters carry `optimized` (batch-dead-letters.ts), and a replay of one
 * stores its rows under that upload method, so the consistency check's per-path books balance.
 */
export const UPLOAD_METHOD_FIELD = 'upload_method';

export function deadLetterStream(stream: string): string {
  return `${stream}:dlq`;
}

/**
 * Builds the XADD field list. `rawData` is the JSON text of the envelope's `data`, already
 * validated: for device info and events the client's body exactly as received; for health data
 * the body's `data` member, serialised once by the parser (spec §2).
 */
export function encodeEntryFields(kind: RecordKind, rawData: string, deviceSn: string, acceptedAtMs: number, uuid: string): string[] {
  const payload =
    `{"data":${rawData},"device_sn":${JSON.stringify(deviceSn)},"message_type":"${kind}",` +
    `"timestamp":${acceptedAtMs / 1000},"api_version":"v2"}`;
  return ['timestamp', String(acceptedAtMs), 'uuid', uuid, 'payload', payload, 'device_sn', deviceSn, 'message_type', kind];
}

export interface DecodedEntry {
  /** Unique per accepted upload; the base of every row's ingest id. */
  ingestKey: string;
  acceptedAtMs: number;
  kind: RecordKind | undefined;
  deviceSn: string | undefined;
  data: unknown;
  /** `optimized` for a batch-path record replayed from the dead letters; otherwise the stream path's. */
  uploadMethod: 'stream_v2' | 'optimized';
}

export class EntryDecodeError extends Error {
  override name = 'EntryDecodeError';
}

/**
 * Reads an entry written by streamctl or by the original producer. Fields arrive as a flat
 * [name, value, ...] list; an entry without `uuid` falls back to its stream id, which is just as
 * unique and stable across redeliveries.
 */
export function decodeEntry(stream: string, entryId: string, fields: string[]): DecodedEntry {
  const map: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  if (map.payload === undefined) throw new EntryDecodeError('entry has no payload field');
  let envelope: unknown;
  try {
    envelope = JSON.parse(map.payload);
  } catch (error) {
    throw new EntryDecodeError(`payload is not JSON: ${(error as Error).message}`);
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) throw new EntryDecodeError('payload is not a JSON object');
  const env = envelope as Record<string, unknown>;
  const kindText = map.message_type ?? (typeof env.message_type === 'string' ? env.message_type : undefined);
  const kind = kindText && kindText in STREAMS ? (kindText as RecordKind) : undefined;
  const envelopeSn = typeof env.device_sn === 'string' || typeof env.device_sn === 'number' ? String(env.device_sn) : undefined;
  const acceptedAtMs = acceptedTime(map.timestamp, env.timestamp, entryId);
  return {
    ingestKey: map.uuid && map.uuid.length > 0 ? map.uuid : `${stream}/${entryId}`,
    acceptedAtMs,
    kind,
    deviceSn: map.device_sn && map.device_sn.length > 0 ? map.device_sn : envelopeSn,
    data: env.data,
    uploadMethod: map[UPLOAD_METHOD_FIELD] === 'optimized' ? 'optimized' : 'stream_v2',
  };
}

function acceptedTime(fieldMs: string | undefined, envelopeSeconds: unknown, entryId: string): number {
  const fromField = fieldMs === undefined ? NaN : Number(fieldMs);
  if (Number.isFinite(fromField) && fromField > 0) return fromField;
  if (typeof envelopeSeconds === 'number' && Number.isFinite(envelopeSeconds)) return Math.round(envelopeSeconds * 1000);
  // A stream id starts with the server's millisecond clock at XADD time.
  return Number(entryId.split('-')[0]);
}
