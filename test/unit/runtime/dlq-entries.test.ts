import { describe, expect, it } from 'vitest';
import { buildReplayFields, fieldMap, mergePatch, splitDeadLetter } from '../../../src/runtime/admin/dlq-entries.js';
import { STREAMS } from '../../../src/runtime/wire-format.js';

const health = STREAMS.health_data;
const header = ['original_id', '1764000000000-0', 'stream', 'health_data_stream', 'group', 'health_processors', 'reason', 'r', 'deliveries', '1', 'consumer', 'c', 'failed_at', '1764000001000'];

describe('dead-letter entries', () => {
  it('splits the header from the original fields, even when an original field shares a header name', () => {
    const entry = splitDeadLetter('1-0', [...header, 'timestamp', '1764000000000', 'stream', 'other', 'payload', '{}']);
    expect(entry.meta.original_id).toBe('1764000000000-0');
    expect(entry.original).toEqual(['timestamp', '1764000000000', 'stream', 'other', 'payload', '{}']);
    expect(splitDeadLetter('1-0', header).original).toBeNull();
  });

  it('merges a patch as RFC 7396 without touching prototypes', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { a: null, b: { c: 5 }, e: [1] })).toEqual({ b: { c: 5, d: 3 }, e: [1] });
    const hostile = JSON.parse('{"__proto__":{"polluted":true}}');
    const merged = mergePatch({}, hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the ingest id and acceptance time, patches every element of a list, and refuses what would fail again', () => {
    const payload = JSON.stringify({ data: [{ heart_rate: 1 }, { heart_rate: 2 }], device_sn: '', message_type: 'health_data', timestamp: 1764000000, api_version: 'v2' });
    const entry = splitDeadLetter('9-0', [...header, 'timestamp', '1764000000000', 'uuid', 'U1', 'payload', payload, 'message_type', 'health_data']);
    expect(buildReplayFields(health, entry, null, {})).toMatchObject({ ok: false, error: expect.stringContaining('no device serial') });
    const built = buildReplayFields(health, entry, null, { patch: { deviceSn: 'S1' } });
    if (!built.ok) throw new Error(built.error);
    const map = fieldMap(built.fields);
    expect(map).toMatchObject({ timestamp: '1764000000000', uuid: 'U1', device_sn: 'S1', message_type: 'health_data' });
    expect(JSON.parse(map.payload!).data).toEqual([{ heart_rate: 1, deviceSn: 'S1' }, { heart_rate: 2, deviceSn: 'S1' }]);
  });

  it('needs a replacement for an un-decodable payload, and derives the ingest id of an entry without uuid', () => {
    const entry = splitDeadLetter('9-0', [...header, 'payload', '{oops']);
    expect(buildReplayFields(health, entry, null, { patch: { deviceSn: 'S' } })).toMatchObject({ ok: false, error: expect.stringContaining('payload replacement') });
    const built = buildReplayFields(health, entry, null, { payload: { data: { deviceSn: 'S2', heart_rate: 3 }, api_version: 'v1' } });
    if (!built.ok) throw new Error(built.error);
    const map = fieldMap(built.fields);
    expect(map.uuid).toBe('health_data_stream/1764000000000-0');
    expect(map.timestamp).toBe('1764000000000');
    expect(JSON.parse(map.payload!)).toMatchObject({ data: { deviceSn: 'S2' }, device_sn: 'S2', api_version: 'v1' });
    expect(buildReplayFields(health, splitDeadLetter('9-0', header), null, {})).toMatchObject({ ok: false, error: expect.stringContaining('no copy') });
  });
});
