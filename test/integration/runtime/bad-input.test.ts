import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ ratio: 0.5, maxBodyBytes: 65_536 });
});
afterAll(async () => {
  await service?.cleanup();
});

function rawPost(path: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(service.url + path, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function storedRows(): number {
  return ['user_health_data', 'user_device_info', 'user_common_event'].reduce((sum, t) => sum + service.count(t), 0);
}

async function streamLength(): Promise<number> {
  const stats = (await service.get('/api/stream_stats')).json;
  return stats.stream_stats.manager_stats.messages_produced;
}

/**
 * [what, body, status, applies to health endpoints only]. The bodies are flat, as device info and
 * events are sent; health endpoints get each one inside `{"data": ...}` (see `bodyFor`), so every
 * rule is exercised behind the member the original's health body carries.
 */
const BAD_BODIES: Array<[string, string | Buffer, number, boolean?]> = [
  ['malformed JSON', '{"deviceSn": "X", "heart_rate": 7', 400],
  ['truncated JSON', '[{"deviceSn":"X"},', 400],
  ['a bare number', '42', 400],
  ['a bare string', '"hello"', 400],
  ['an empty list', '[]', 400],
  ['a list of numbers', '[1,2,3]', 400],
  ['no device serial', '{"heart_rate": 70}', 400],
  ['heart_rate as an object', '{"deviceSn":"X","heart_rate":{"v":1}}', 400, true],
  ['heart_rate as a word', '{"deviceSn":"X","heart_rate":"fast"}', 400, true],
  ['an infinite step', '{"deviceSn":"X","step":1e999}', 400, true],
  ['serial as an object', '{"deviceSn":{"a":1}}', 400],
  // JSON.parse rounds both to 9007199254740992: two devices would become one row key.
  ['a numeric serial past 2^53', '{"deviceSn":9007199254740993,"SerialNumber":9007199254740993}', 400],
  ['an 18-digit numeric serial (IMEI-like)', '{"deviceSn":860123456789012345,"SerialNumber":860123456789012345}', 400],
  ['a fractional numeric serial', '{"deviceSn":12.5,"SerialNumber":12.5}', 400],
  ['heart_rate as hex text', '{"deviceSn":"X","heart_rate":"0x48"}', 400, true],
  ['step as binary text', '{"deviceSn":"X","step":"0b101"}', 400, true],
  ['a huge serial', JSON.stringify({ deviceSn: 'S'.repeat(10_000) }), 400],
  ['deep nesting', '{"deviceSn":"X","sleepData":' + '['.repeat(5_000) + ']'.repeat(5_000) + '}', 400],
  ['non-UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65, 0x53, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400],
  ['a body over the cap', JSON.stringify({ deviceSn: 'X', sleepData: 'z'.repeat(100_000) }), 413],
];

/** Health bodies without the original's `data` member (or with a useless one), sent as they are. */
const BAD_HEALTH_SHAPES: Array<[string, string]> = [
  ['a flat reading', '{"deviceSn":"X","heart_rate":70}'],
  ['a flat list of readings', '[{"deviceSn":"X","heart_rate":70}]'],
  ['data: null', '{"data":null}'],
  ['data: a string', '{"data":"x"}'],
  ['data: an empty list', '{"data":[]}'],
];

const isHealth = (path: string) => path.startsWith('/upload_health_data');

/** The body as a health endpoint must receive it, `{"data": <body>}`; other endpoints take it flat. */
function bodyFor(path: string, body: string | Buffer): string | Buffer {
  return isHealth(path) ? Buffer.concat([Buffer.from('{"data":'), Buffer.from(body), Buffer.from('}')]) : body;
}

describe('hostile input on the ingest endpoints', () => {
  for (const path of ['/upload_health_data_v2', '/upload_health_data', '/upload_device_info_v2', '/upload_common_event']) {
    it(`${path}: every bad body gets a 4xx JSON error and stores nothing`, async () => {
      const rowsBefore = storedRows();
      const producedBefore = await streamLength();
      for (const [what, body, status, healthOnly] of BAD_BODIES) {
        if (healthOnly && !isHealth(path)) continue;
        const response = await rawPost(path, bodyFor(path, body), { 'content-type': 'application/json' });
        expect(response.status, what).toBe(status);
        expect(JSON.parse(response.body), what).toEqual({ status: 'error', message: expect.any(String) });
      }
      for (const [what, body] of isHealth(path) ? BAD_HEALTH_SHAPES : []) {
        const response = await rawPost(path, body, { 'content-type': 'application/json' });
        expect(response.status, what).toBe(400);
        expect(JSON.parse(response.body), what).toEqual({ status: 'error', message: expect.stringContaining('data') });
      }
      await new Promise((r) => setTimeout(r, 400));
      expect(storedRows()).toBe(rowsBefore);
      expect(await streamLength()).toBe(producedBefore);
    });
  }

  it('refuses a wrong content type with 415', async () => {
    const response = await rawPost('/upload_health_data_v2', 'deviceSn=X', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
  });

  it('refuses a body with a Content-Encoding it does not decode (415), instead of parsing it as plain', async () => {
    const rowsBefore = storedRows();
    const plainJsonClaimingGzip = await rawPost('/upload_health_data_v2', '{"data":{"deviceSn":"GZ_1","heart_rate":70}}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(plainJsonClaimingGzip.status).toBe(415);
    expect(JSON.parse(plainJsonClaimingGzip.body).message).toContain('content-encoding');
    const identity = await rawPost('/upload_health_data_v2', '{"data":{"deviceSn":"GZ_2","heart_rate":70}}', { 'content-type': 'application/json', 'content-encoding': 'identity' });
    expect(identity.status).toBe(200);
    await eventually(() => storedRows() === rowsBefore + 1);
    expect(service.count('user_health_data', "device_sn = 'GZ_1'")).toBe(0);
  });

  it('keeps numeric serials that are exact integers, and decimal strings as readings', async () => {
    const response = await rawPost('/upload_health_data_v2', '{"data":{"deviceSn":860123456,"heart_rate":"72.5","timestamp":1764000000}}', { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
  });

  it('stores __proto__ and constructor keys as plain data without polluting anything', async () => {
    const body = '{"deviceSn":"PROTO_1","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"heart_rate":70}';
    const response = await rawPost('/upload_device_info_v2', body.replace('deviceSn', 'SerialNumber'), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await rawPost('/upload_health_data_v2', bodyFor('/upload_health_data_v2', body), { 'content-type': 'application/json' });
    expect(health.status).toBe(200);
  });
});

describe('hostile input on the admin endpoints', () => {
  it('refuses malformed rollback, lease and ratio bodies without changing the ratio', async () => {
    await service.post('/api/stream_traffic_ratio', { ratio: 0.5 });
    expect((await service.post('/api/emergency_rollback', '{"drain": "yes"}')).status).toBe(400);
    expect((await service.post('/api/emergency_rollback', '{oops')).status).toBe(400);
    expect((await service.post('/api/lease', { name: '../../etc', holder: 'x', ttl_ms: 5_000 })).status).toBe(400);
    expect((await service.post('/api/lease', { name: 'cutover', holder: 'x', ttl_ms: 'forever' })).status).toBe(400);
    expect((await service.post('/api/stream_traffic_ratio', 'x'.repeat(20_000))).status).toBe(413);
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0.5);
  });

  it('is still healthy after all of it', async () => {
    expect((await service.get('/api/stream_health')).status).toBe(200);
  });
});
