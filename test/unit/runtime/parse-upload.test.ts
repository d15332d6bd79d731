import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseUpload, HEALTH_BODY_SHAPE, MAX_ELEMENTS } from '../../../src/runtime/ingest/parse-upload.js';

describe('parseUpload', () => {
  it('accepts the original\'s health bodies, {"data": {...}} and {"data": [...]}, and finds the serial as the spec says', () => {
    const single = parseUpload('health_data', '{"data":{"deviceSn":"A1","heart_rate":70}}');
    expect(single).toMatchObject({ ok: true, upload: { kind: 'health_data', deviceSn: 'A1', records: 1, testRecords: 0, data: { deviceSn: 'A1', heart_rate: 70 } } });
    // A list's serial is its first element's (deviceSn, else id), as upload_health_data_stream() reads data[0].
    const list = parseUpload('health_data', '{"data":[{"id":"B2","heart_rate":"71"},{"deviceSn":"OTHER","heart_rate":72}]}');
    expect(list).toMatchObject({ ok: true, upload: { deviceSn: 'B2', records: 2 } });
    expect(parseUpload('health_data', '{"data":{"deviceSn":"STREAM_TEST_001"}}')).toMatchObject({ ok: true, upload: { testRecords: 1 } });
    expect(parseUpload('health_data', '{"data":[{"deviceSn":"STREAM_TEST_001"},{"deviceSn":"REAL"},{}]}')).toMatchObject({ ok: true, upload: { records: 3, testRecords: 2 } });
    // Other top-level members are the client's business; only `data` is taken.
    expect(parseUpload('health_data', '{"data":{"deviceSn":"A1"},"deviceSn":"IGNORED","app":"1.2"}')).toMatchObject({ ok: true, upload: { deviceSn: 'A1', rawData: '{"deviceSn":"A1"}' } });
  });

  it('takes device info and events flat, as the original does', () => {
    expect(parseUpload('device_info', '{"SerialNumber":"C3","deviceSn":"other"}')).toMatchObject({ ok: true, upload: { deviceSn: 'C3', records: 1 } });
    expect(parseUpload('common_event', '{"id":42,"eventType":"sos"}')).toMatchObject({ ok: true, upload: { deviceSn: '42' } });
    expect(parseUpload('common_event', '{"deviceSn":"E1","eventType":"fall_detected"}')).toMatchObject({ ok: true, upload: { deviceSn: 'E1', data: { eventType: 'fall_detected' } } });
  });

  it('puts the health readings (the data member) in the envelope, and device info verbatim', () => {
    const health = parseUpload('health_data', ' {"data": {"deviceSn":"A1", "x": 1.50}} \n');
    expect(health.ok && JSON.parse(health.upload.rawData)).toEqual({ deviceSn: 'A1', x: 1.5 });
    const list = parseUpload('health_data', '{"data":[{"deviceSn":"A1"},{"deviceSn":"A2"}]}');
    expect(list.ok && JSON.parse(list.upload.rawData)).toEqual([{ deviceSn: 'A1' }, { deviceSn: 'A2' }]);
    const device = parseUpload('device_info', ' {"SerialNumber":"A1", "x": 1.50} \n');
    expect(device.ok && device.upload.rawData).toBe('{"SerialNumber":"A1", "x": 1.50}');
  });

  it("keeps the data member's text as the device sent it, and re-serialises only an unusual layout", () => {
    const exact = parseUpload('health_data', '{ "data" : {"deviceSn":"A1", "x": 1.50, "big": 123456789012345678901} }');
    expect(exact.ok && exact.upload.rawData).toBe('{"deviceSn":"A1", "x": 1.50, "big": 123456789012345678901}');
    const extra = parseUpload('health_data', '{"app":"2.1","data":{"deviceSn":"A1","x":1.50}}');
    expect(extra.ok && extra.upload.rawData).toBe('{"deviceSn":"A1","x":1.5}');
    const escapedKey = parseUpload('health_data', '{"d\\u0061ta":{"deviceSn":"A1"}}');
    expect(escapedKey.ok && escapedKey.upload.rawData).toBe('{"deviceSn":"A1"}');
    const nestedBraces = parseUpload('health_data', '{"data":[{"deviceSn":"A1","sleepData":{"deep":{"m":1}}}]}');
    expect(nestedBraces.ok && JSON.parse(nestedBraces.upload.rawData)).toEqual([{ deviceSn: 'A1', sleepData: { deep: { m: 1 } } }]);
  });

  it.each([
    ['a flat reading', '{"deviceSn":"A","heart_rate":70}', 'has no "data" member'],
    ['a flat reading list', '[{"deviceSn":"A","heart_rate":70}]', 'must be a JSON object'],
    ['data: null', '{"data":null}', '"data" must be an object or a list of objects'],
    ['data: "x"', '{"data":"x"}', '"data" must be an object or a list of objects'],
    ['data: 5', '{"data":5}', '"data" must be an object or a list of objects'],
    ['a string body', '"x"', 'must be a JSON object'],
    ['null', 'null', 'must be a JSON object'],
  ])('refuses %s for health with 400 naming the expected shape', (_name, body, message) => {
    const verdict = parseUpload('health_data', body);
    expect(verdict).toMatchObject({ ok: false, status: 400, message: expect.stringContaining(message) });
    expect(verdict).toMatchObject({ message: expect.stringContaining(HEALTH_BODY_SHAPE) });
  });

  it('refuses {"data": []} for health with 400: nothing to upload', () => {
    expect(parseUpload('health_data', '{"data":[]}')).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('empty list in data') });
  });

  it('names the expected shape with the original\'s example', () => {
    expect(HEALTH_BODY_SHAPE).toContain('{"data": {...readings...}}');
    expect(HEALTH_BODY_SHAPE).toContain('{"data": [{...}, ...]}');
  });

  it.each([
    ['', 400, 'empty'],
    ['{"data":', 400, 'malformed JSON'],
    ['{"data":{"heart_rate":1}}', 400, 'no device serial'],
    ['{"data":{"deviceSn":""}}', 400, 'no device serial'],
    ['{"data":[{"heart_rate":1},{"deviceSn":"B"}]}', 400, 'no device serial'],
    ['{"data":{"deviceSn":"A","heart_rate":"abc"}}', 400, 'data.heart_rate must be a number'],
    ['{"data":{"deviceSn":"A","blood_oxygen":[1]}}', 400, 'data.blood_oxygen'],
    ['{"data":[{"deviceSn":"A"}, 5]}', 400, 'data[1] must be a JSON object'],
    ['{"data":[{"deviceSn":"A"}, {"step":"x"}]}', 400, 'data[1].step must be a number'],
    ['{"data":{"deviceSn":"A","timestamp":{}}}', 400, 'data.timestamp'],
    ['{"data":{"deviceSn":"A","eventType":7}}', 200, ''],
    ['{"data":{"deviceSn":"A","heart_rate":"72"}}', 200, ''],
    ['{"data":{"deviceSn":"A","heart_rate":"0x48"}}', 400, 'data.heart_rate must be a number'],
    ['{"data":{"deviceSn":9007199254740993,"heart_rate":70}}', 400, 'data.deviceSn is not an exact integer'],
    ['{"data":{"deviceSn":860123456789012345}}', 400, 'send the serial as a string'],
    ['{"data":{"id":12.5}}', 400, 'data.id is not an exact integer'],
    ['{"data":{"deviceSn":"860123456789012345"}}', 200, ''],
    ['{"data":{"deviceSn":860123456}}', 200, ''],
    ['{"data":{"deviceSn":"A","timestamp":"not-a-time"}}', 400, 'data.timestamp must be a number or a date string'],
    ['{"data":{"deviceSn":"A","timestamp":"2026-11-01 08:00:00"}}', 200, ''],
    ['{"data":{"deviceSn":"A","timestamp":"1764000000"}}', 200, ''],
    ['{"data":{"deviceSn":"A","timestamp":""}}', 200, ''],
  ])('judges the health body %s', (body, status, message) => {
    const verdict = parseUpload('health_data', body);
    if (status === 200) expect(verdict.ok).toBe(true);
    else expect(verdict).toMatchObject({ ok: false, status, message: expect.stringContaining(message) });
  });

  it('refuses data nested beyond the depth limit', () => {
    expect(parseUpload('health_data', `{"data":{"deviceSn":"A","sleepData":${'['.repeat(40)}${']'.repeat(40)}}}`)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('nests deeper') });
  });

  it('refuses lists over the element limit with 413', () => {
    const data = Array.from({ length: MAX_ELEMENTS + 1 }, () => ({ deviceSn: 'A' }));
    expect(parseUpload('health_data', JSON.stringify({ data }))).toMatchObject({ ok: false, status: 413 });
    expect(parseUpload('health_data', JSON.stringify({ data: data.slice(1) }))).toMatchObject({ ok: true, upload: { records: MAX_ELEMENTS } });
  });

  it('never throws, and takes for health only an object whose data is an object or a non-empty list of objects', () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // The original's shape around anything: most are refused, the well-formed ones accepted.
      fc.jsonValue().map((data) => JSON.stringify({ data })),
      fc.array(fc.record({ deviceSn: fc.string({ minLength: 1 }), sleepData: fc.jsonValue() }), { minLength: 1, maxLength: 3 }).map((data) => JSON.stringify({ data }, null, 2)),
      fc.array(fc.record({ deviceSn: fc.oneof(fc.string(), fc.integer()), heart_rate: fc.oneof(fc.integer(), fc.string()) }), { maxLength: 3 }).map((data) => JSON.stringify({ data })),
      fc.record({ deviceSn: fc.string({ minLength: 1 }), heart_rate: fc.integer() }).map((reading) => JSON.stringify(reading)),
    );
    fc.assert(
      fc.property(bodies, (text) => {
        const verdict = parseUpload('health_data', text);
        if (verdict.ok) {
          const body = JSON.parse(text) as unknown;
          expect(typeof body === 'object' && body !== null && !Array.isArray(body)).toBe(true);
          const data = (body as { data: unknown }).data;
          const elements = Array.isArray(data) ? data : [data];
          expect(elements.length).toBeGreaterThan(0);
          for (const element of elements) expect(typeof element === 'object' && element !== null && !Array.isArray(element)).toBe(true);
          expect(JSON.parse(verdict.upload.rawData)).toEqual(data);
          expect(verdict.upload.records).toBe(elements.length);
          expect(verdict.upload.deviceSn.length).toBeGreaterThan(0);
        } else {
          expect([400, 413]).toContain(verdict.status);
        }
      }),
      { numRuns: 2_000, seed: 42 },
    );
  });
});
