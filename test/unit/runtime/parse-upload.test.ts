import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseUpload, MAX_ELEMENTS } from '../../../src/runtime/ingest/parse-upload.js';

describe('parseUpload', () => {
  it('accepts an object and a list, and finds the serial as the spec says', () => {
    const single = parseUpload('health_data', '{"deviceSn":"A1","heart_rate":70}');
    expect(single).toMatchObject({ ok: true, upload: { deviceSn: 'A1', records: 1, testRecords: 0 } });
    const list = parseUpload('health_data', '[{"id":"B2","heart_rate":"71"},{"heart_rate":72}]');
    expect(list).toMatchObject({ ok: true, upload: { deviceSn: 'B2', records: 2 } });
    expect(parseUpload('device_info', '{"SerialNumber":"C3","deviceSn":"other"}')).toMatchObject({ ok: true, upload: { deviceSn: 'C3' } });
    expect(parseUpload('common_event', '{"id":42,"eventType":"sos"}')).toMatchObject({ ok: true, upload: { deviceSn: '42' } });
    expect(parseUpload('health_data', '{"deviceSn":"STREAM_TEST_001"}')).toMatchObject({ ok: true, upload: { testRecords: 1 } });
    expect(parseUpload('health_data', '[{"deviceSn":"STREAM_TEST_001"},{"deviceSn":"REAL"},{}]')).toMatchObject({ ok: true, upload: { records: 3, testRecords: 2 } });
  });

  it('keeps the raw text verbatim so the envelope embeds exactly what the client sent', () => {
    const body = ' {"deviceSn":"A1", "x": 1.50} \n';
    const verdict = parseUpload('health_data', body);
    expect(verdict.ok && verdict.upload.rawData).toBe('{"deviceSn":"A1", "x": 1.50}');
  });

  it.each([
    ['', 400, 'empty'],
    ['{"heart_rate":1}', 400, 'no device serial'],
    ['{"deviceSn":""}', 400, 'no device serial'],
    ['{"deviceSn":"A","heart_rate":"abc"}', 400, 'heart_rate'],
    ['{"deviceSn":"A","blood_oxygen":[1]}', 400, 'blood_oxygen'],
    ['[{"deviceSn":"A"}, 5]', 400, '[1] must be a JSON object'],
    ['{"deviceSn":"A","timestamp":{}}', 400, 'timestamp'],
    ['{"deviceSn":"A","eventType":7}', 200, ''],
  ])('judges %s', (body, status, message) => {
    const verdict = parseUpload('health_data', body);
    if (status === 200) expect(verdict.ok).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, status, message: expect.stringContaining(message) });
  });

  it('refuses lists over the element limit with 413', () => {
    const body = JSON.stringify(Array.from({ length: MAX_ELEMENTS + 1 }, () => ({ deviceSn: 'A' })));
    expect(parseUpload('health_data', body)).toMatchObject({ ok: false, status: 413 });
  });

  it('never throws and never accepts what is not an object or a non-empty list of objects', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify(v))), (text) => {
        const verdict = parseUpload('health_data', text);
        if (verdict.ok) {
          const data = JSON.parse(text);
          expect(typeof data).toBe('object');
          expect(verdict.upload.deviceSn.length).toBeGreaterThan(0);
        } else {
          expect([400, 413]).toContain(verdict.status);
        }
      }),
      { numRuns: 2_000, seed: 42 },
    );
  });
});
