import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminApiClient } from '../../../src/adapters/admin-api-client.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

let redis: TestRedis;
let a: TestService;
let b: TestService;

beforeAll(async () => {
  redis = await startTestRedis();
  a = await startTestService({ redisUrl: redis.url, ratio: 0.5, routing: 'device' });
  b = await startTestService({ redisUrl: redis.url, routing: 'random' });
});
afterAll(async () => {
  await a?.cleanup();
  await b?.cleanup();
  await redis?.cleanup();
});

async function pathOf(service: TestService, deviceSn: string): Promise<string> {
  const response = await service.post('/upload_health_data', { data: { deviceSn, heart_rate: 70 } });
  expect(response.status).toBe(200);
  return response.headers.get('x-streamctl-path')!;
}

describe('routing', () => {
  it('device routing keeps each device on one path and splits devices near the ratio', async () => {
    const paths = new Map<string, string>();
    for (let i = 0; i < 200; i++) paths.set(`ROUTE_${i}`, await pathOf(a, `ROUTE_${i}`));
    for (let i = 0; i < 200; i += 10) expect(await pathOf(a, `ROUTE_${i}`)).toBe(paths.get(`ROUTE_${i}`));
    const onStream = [...paths.values()].filter((p) => p === 'stream').length;
    expect(onStream).toBeGreaterThan(60);
    expect(onStream).toBeLessThan(140);
  });

  it('raising the ratio only moves devices from the batch path to the stream path', async () => {
    const before = new Map<string, string>();
    for (let i = 0; i < 100; i++) before.set(`MOVE_${i}`, await pathOf(a, `MOVE_${i}`));
    await a.post('/api/stream_traffic_ratio', { ratio: 0.8 });
    for (const [device, path] of before) if (path === 'stream') expect(await pathOf(a, device)).toBe('stream');
    await a.post('/api/stream_traffic_ratio', { ratio: 0.5 });
  });

  it('random routing splits requests near the ratio', async () => {
    await eventually(async () => (await b.get('/api/stream_traffic_ratio')).json.current_ratio === 0.5);
    let onStream = 0;
    for (let i = 0; i < 200; i++) if ((await pathOf(b, 'RANDOM_ONE_DEVICE')) === 'stream') onStream++;
    expect(onStream).toBeGreaterThan(60);
    expect(onStream).toBeLessThan(140);
  });
});

describe('the ratio is shared by every instance on one Redis', () => {
  it('a change on one instance reaches the other, and a rollback too', async () => {
    await a.post('/api/stream_traffic_ratio', { ratio: 0.7 });
    await eventually(async () => (await b.get('/api/stream_traffic_ratio')).json.current_ratio === 0.7, { timeoutMs: 3_000 });
    const rollback = await b.post('/api/emergency_rollback', { reason: 'test' });
    expect(rollback.status).toBe(200);
    expect(rollback.json).toMatchObject({ success: true, traffic_ratio: 0, consumers_stopped: false, rollback_time: expect.any(String), current_metrics: expect.any(Object) });
    await eventually(async () => (await a.get('/api/stream_traffic_ratio')).json.current_ratio === 0, { timeoutMs: 3_000 });
  });

  it('metrics are aggregated across instances', async () => {
    await a.post('/upload_health_data_v2', { data: { deviceSn: 'AGG_A', heart_rate: 1 } });
    await b.post('/upload_health_data_v2', { data: { deviceSn: 'AGG_B', heart_rate: 1 } });
    const metrics = await eventually(async () => {
      const m = (await a.get('/api/stream_metrics')).json;
      return m.instances === 2 ? m : undefined;
    }, { timeoutMs: 5_000 });
    expect(metrics.summary.stream.requests).toBeGreaterThanOrEqual(2);
  });

  it('counters since start are served per instance for the whole fleet, and read by the control plane', async () => {
    const read = async () => (await a.get('/api/stream_metrics/counters')).json;
    const before = await eventually(async () => {
      const doc = await read();
      return doc.instances.length === 2 ? doc : undefined;
    }, { timeoutMs: 5_000 });
    expect(before).toMatchObject({ format: 'streamctl.counters/v1', timestamp: expect.any(Number) });
    for (const instance of before.instances) {
      expect(instance).toMatchObject({ id: expect.any(String), started_at_ms: expect.any(Number), read_at_ms: expect.any(Number) });
      for (const path of ['stream', 'traditional']) {
        const p = instance.paths[path];
        expect(p.latency_ms.count).toBe(p.requests);
        expect(p.latency_ms.buckets.reduce((sum: number, [, c]: [number, number]) => sum + c, 0)).toBe(p.requests);
      }
    }
    const byId = (doc: any, id: string) => doc.instances.find((i: { id: string }) => i.id === id);
    const idOfB = before.instances[1].id;
    for (let i = 0; i < 5; i++) await b.post('/upload_health_data_v2', { data: { deviceSn: `CNT_${i}`, heart_rate: 1 } });
    // b's counters reach a through Redis within a publish (1 s); they only grow.
    const after = await eventually(async () => {
      const doc = await read();
      const mine = doc.instances.length === 2 && byId(doc, idOfB);
      return mine && mine.paths.stream.requests >= byId(before, idOfB).paths.stream.requests + 5 ? doc : undefined;
    }, { timeoutMs: 5_000 });
    expect(byId(after, idOfB).started_at_ms).toBe(byId(before, idOfB).started_at_ms);

    const client = new AdminApiClient({ target: a.url });
    try {
      const counters = await client.readCounters();
      expect(counters!.instances).toHaveLength(2);
      expect(counters!.instances.every((i) => i.stream.latency.buckets !== null && i.stream.requests !== null)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('the stored ratio survives a restart of an instance', async () => {
    await a.post('/api/stream_traffic_ratio', { ratio: 0.4 });
    await b.cleanup();
    b = await startTestService({ redisUrl: redis.url });
    expect((await b.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0.4);
  });
});
