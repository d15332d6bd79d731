import { describe, expect, it } from 'vitest';
import { deviceTimeToIso } from '../../../src/runtime/records/device-time.js';
import { uploadToRows, UnpersistableRecordError } from '../../../src/runtime/records/to-rows.js';
import { decodeEntry, encodeEntryFields, EntryDecodeError } from '../../../src/runtime/wire-format.js';
import { choosePath, serialHash } from '../../../src/runtime/ingest/route-decision.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('deviceTimeToIso', () => {
  it.each([
    [1764000000, '2025-11-24T16:00:00.000Z'],
    [1764000000123, '2025-11-24T16:00:00.123Z'],
    ['1764000000', '2025-11-24T16:00:00.000Z'],
    ['2025-11-24 16:00:00', '2025-11-24T16:00:00.000Z'],
    ['2025-11-24T18:00:00+02:00', '2025-11-24T16:00:00.000Z'],
    [0, null],
    [NOW / 1000 + 3 * 86_400, null],
    ['yesterday', null],
    [undefined, null],
    [{}, null],
  ])('%s -> %s', (input, expected) => {
    expect(deviceTimeToIso(input, NOW)).toBe(expected);
  });

  it("reads a zoneless time as UTC whatever the server's zone (not 04:00Z under Asia/Shanghai)", () => {
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Shanghai';
    try {
      expect(new Date(2025, 4, 1, 12).toISOString()).toBe('2025-05-01T04:00:00.000Z'); // the zone really applies
      expect(deviceTimeToIso('2025-05-01T12:00:00', NOW)).toBe('2025-05-01T12:00:00.000Z');
      expect(deviceTimeToIso('2025-05-01 12:00:00', NOW)).toBe('2025-05-01T12:00:00.000Z');
      expect(deviceTimeToIso('2025-05-01T12:00:00.250', NOW)).toBe('2025-05-01T12:00:00.250Z');
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

describe('uploadToRows', () => {
  const context = { ingestKey: 'k', acceptedAtMs: NOW, uploadMethod: 'stream_v2' as const };

  it('never changes a reading\'s value: hex, binary and octal text are not numbers', () => {
    const { health } = uploadToRows('health_data', { deviceSn: 'D', heart_rate: '0x48', step: '0b101', stress: '0o7', calorie: ' 12.5 ', distance: '1e3' }, context);
    expect(health[0]).toMatchObject({ heart_rate: null, step: null, stress: null, calorie: 12.5, distance: 1000 });
  });

  it('maps the spec health fields to the original columns', () => {
    const { health } = uploadToRows('health_data', {
      deviceSn: 'D', heart_rate: 70, blood_oxygen: '97', body_temperature: 36.5, blood_pressure_systolic: 120, blood_pressure_diastolic: 80,
      stress: 10, step: 100, distance: 1.5, calorie: 20, latitude: 1, longitude: 2, altitude: 3, sleepData: { deep: 1 }, timestamp: 1764000000,
    }, context);
    expect(health[0]).toEqual({
      ingest_id: `${NOW.toString(16).padStart(12, '0')}-k:0`, device_sn: 'D', timestamp: '2025-11-24T16:00:00.000Z', create_time: '2026-11-25T12:00:00.000Z', upload_method: 'stream_v2',
      heart_rate: 70, blood_oxygen: 97, temperature: 36.5, pressure_high: 120, pressure_low: 80, stress: 10, step: 100, distance: 1.5,
      calorie: 20, latitude: 1, longitude: 2, altitude: 3, sleep: '{"deep":1}',
    });
  });

  it('keeps every element of a list, falling back to the first serial and then the envelope', () => {
    const { health } = uploadToRows('health_data', [{ deviceSn: 'A' }, { heart_rate: 1 }, { id: 'B' }], context);
    expect(health.map((r) => [r.ingest_id.slice(13), r.device_sn])).toEqual([['k:0', 'A'], ['k:1', 'A'], ['k:2', 'B']]);
    const fromEnvelope = uploadToRows('device_info', { battery: 1 }, { ...context, envelopeSerial: 'ENV' });
    expect(fromEnvelope.deviceInfo[0]!.device_sn).toBe('ENV');
  });

  it('refuses what can never be persisted', () => {
    expect(() => uploadToRows('health_data', { heart_rate: 1 }, context)).toThrow(UnpersistableRecordError);
    expect(() => uploadToRows('health_data', [], context)).toThrow(UnpersistableRecordError);
    expect(() => uploadToRows('common_event', [{ deviceSn: 'A' }, 'x'], context)).toThrow(UnpersistableRecordError);
  });
});

describe('wire format', () => {
  it('round-trips an entry through encode and decode', () => {
    const fields = encodeEntryFields('health_data', '{"deviceSn":"A","v":[1,2]}', 'A', NOW, 'u-1');
    const decoded = decodeEntry('health_data_stream', `${NOW}-0`, fields);
    expect(decoded).toEqual({ ingestKey: 'u-1', acceptedAtMs: NOW, kind: 'health_data', deviceSn: 'A', data: { deviceSn: 'A', v: [1, 2] }, uploadMethod: 'stream_v2' });
  });

  it('escapes a serial that needs it inside the envelope', () => {
    const fields = encodeEntryFields('common_event', '{}', 'a"b\\c', NOW, 'u');
    expect(JSON.parse(fields[5]!).device_sn).toBe('a"b\\c');
  });

  it('refuses entries without a JSON object payload', () => {
    expect(() => decodeEntry('s', '1-0', ['uuid', 'x'])).toThrow(EntryDecodeError);
    expect(() => decodeEntry('s', '1-0', ['payload', '[1]'])).toThrow(EntryDecodeError);
    expect(() => decodeEntry('s', '1-0', ['payload', '{'])).toThrow(EntryDecodeError);
  });

  it('falls back to the envelope time and then the entry id for the acceptance time', () => {
    expect(decodeEntry('s', '5000-0', ['payload', '{"timestamp": 4.5}']).acceptedAtMs).toBe(4500);
    expect(decodeEntry('s', '5000-0', ['payload', '{}']).acceptedAtMs).toBe(5000);
  });
});

describe('choosePath', () => {
  it('sends everything one way at the ends of the range', () => {
    expect(choosePath(0, 'random', 'A', () => 0)).toBe('traditional');
    expect(choosePath(1, 'device', 'A')).toBe('stream');
  });

  it('places each serial at a fixed point, so raising the ratio never moves a device back', () => {
    const serials = Array.from({ length: 500 }, (_, i) => `DEV_${i}`);
    for (const serial of serials) {
      if (choosePath(0.3, 'device', serial) === 'stream') expect(choosePath(0.6, 'device', serial)).toBe('stream');
    }
    const share = serials.filter((s) => choosePath(0.3, 'device', s) === 'stream').length / serials.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.4);
    expect(serialHash('DEV_1')).toBe(serialHash('DEV_1'));
  });
});
