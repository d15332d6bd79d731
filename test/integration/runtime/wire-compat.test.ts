import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

let service: TestService;
let redis: Redis;

beforeAll(async () => {
  service = await startTestService({ ratio: 0 });
  redis = new Redis(service.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await service?.cleanup();
});

/** What the original Python producer's json.dumps(..., ensure_ascii=False) writes: ", " and ": " separators. */
function pythonPayload(data: unknown, deviceSn: string, type: string, seconds: number): string {
  const dumps = (value: unknown): string => JSON.stringify(value, null, 1).replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{').replace(/ \}/g, '}');
  return `{"data": ${dumps(data)}, "device_sn": "${deviceSn}", "message_type": "${type}", "timestamp": ${seconds}, "api_version": "v2"}`;
}

describe('wire compatibility with the original service (spec §2)', () => {
  it('consumes an entry written by the original Python producer, non-ASCII text included', async () => {
    const uuid = randomUUID();
    const now = Date.now();
    const data = { deviceSn: 'PY_1', heart_rate: 77, body_temperature: '36.9', sleepData: { deep: 120, note: '深睡' } };
    await redis.xadd('health_data_stream', 'MAXLEN', '~', 100_000, '*',
      'timestamp', String(now), 'uuid', uuid, 'payload', pythonPayload(data, 'PY_1', 'health_data', now / 1000),
      'device_sn', 'PY_1', 'message_type', 'health_data');
    const row = await eventually(() => service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'PY_1'").at(0));
    expect(row).toMatchObject({ ingest_id: `${now.toString(16).padStart(12, '0')}-${uuid}:0`, heart_rate: 77, temperature: 36.9, upload_method: 'stream_v2' });
    expect(JSON.parse(row.sleep)).toEqual({ deep: 120, note: '深睡' });
    expect(row.create_time).toBe(new Date(now).toISOString());
  });

  it('consumes an original entry whose serial is only in the envelope, and one without a uuid', async () => {
    const now = Date.now();
    await redis.xadd('device_info_stream', '*', 'timestamp', String(now), 'payload', pythonPayload({ battery: 5 }, 'PY_2', 'device_info', now / 1000), 'message_type', 'device_info');
    const row = await eventually(() => service.rows<any>("SELECT * FROM user_device_info WHERE device_sn = 'PY_2'").at(0));
    expect(row.ingest_id).toMatch(/^[0-9a-f]{12}-device_info_stream\/\d+-\d+:0$/);
  });

  it('writes entries the original consumers can read: the five fields and the envelope', async () => {
    const response = await service.post('/upload_common_event_v2', { deviceSn: 'WIRE_1', eventType: 'low_battery', note: 'é' });
    const [[id, fields]] = (await redis.xrange('common_event_stream', response.json.stream_id, response.json.stream_id)) as Array<[string, string[]]>;
    expect(id).toBe(response.json.stream_id);
    const map = Object.fromEntries(fields.reduce<string[][]>((pairs, value, i) => (i % 2 ? pairs[pairs.length - 1]!.push(value) : pairs.push([value]), pairs), []));
    expect(Object.keys(map).sort()).toEqual(['device_sn', 'message_type', 'payload', 'timestamp', 'uuid']);
    expect(map.timestamp).toMatch(/^\d{13}$/);
    expect(map.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(map.device_sn).toBe('WIRE_1');
    expect(map.message_type).toBe('common_event');
    expect(map.payload).toContain('é');
    const envelope = JSON.parse(map.payload);
    expect(envelope).toEqual({ data: { deviceSn: 'WIRE_1', eventType: 'low_battery', note: 'é' }, device_sn: 'WIRE_1', message_type: 'common_event', timestamp: expect.any(Number), api_version: 'v2' });
    expect(Math.abs(envelope.timestamp * 1000 - Number(map.timestamp))).toBeLessThan(1);
  });

  it('puts a health upload\'s readings (its `data` member) in the envelope\'s data, as the original does', async () => {
    const response = await service.post('/upload_health_data_v2', { data: { deviceSn: 'WIRE_H', heart_rate: 61 } });
    const [[, fields]] = (await redis.xrange('health_data_stream', response.json.stream_id, response.json.stream_id)) as Array<[string, string[]]>;
    const envelope = JSON.parse(fields[fields.indexOf('payload') + 1]!);
    expect(envelope).toEqual({ data: { deviceSn: 'WIRE_H', heart_rate: 61 }, device_sn: 'WIRE_H', message_type: 'health_data', timestamp: expect.any(Number), api_version: 'v2' });
  });

  it('dead-letters an entry that can never be persisted while its batch-mates are stored', async () => {
    const now = Date.now();
    await redis.xadd('health_data_stream', '*', 'timestamp', String(now), 'uuid', randomUUID(), 'payload', pythonPayload({ heart_rate: 1 }, '', 'health_data', now / 1000), 'message_type', 'health_data');
    await redis.xadd('health_data_stream', '*', 'timestamp', String(now), 'uuid', randomUUID(), 'payload', '{not json', 'message_type', 'health_data');
    await service.post('/upload_health_data_v2', { data: { deviceSn: 'MATE_1', heart_rate: 60 } });
    await eventually(() => service.count('user_health_data', "device_sn = 'MATE_1'") === 1);
    const letters = (await eventually(async () => {
      const found = (await redis.xrange('health_data_stream:dlq', '-', '+')) as Array<[string, string[]]>;
      return found.length === 2 ? found : undefined;
    }))!;
    const reasons = letters.map(([, fields]) => fields[fields.indexOf('reason') + 1]);
    expect(reasons.some((r) => r?.includes('no device serial'))).toBe(true);
    expect(reasons.some((r) => r?.includes('not JSON'))).toBe(true);
    // Dead letters are written before the batch's ack, so the pending list empties a moment later.
    await eventually(async () => ((await redis.xpending('health_data_stream', 'health_processors')) as [number])[0] === 0);
  });
});
