import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../src/runtime/embedded-redis.js';
import { freePort } from '../../../src/shared/free-port.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

const started: Array<{ cleanup?: () => Promise<void>; stop?: () => Promise<void> }> = [];
afterAll(async () => {
  for (const thing of started.reverse()) await (thing.cleanup ?? thing.stop)!();
});

interface LoadTally {
  accepted: number;
  byStatus: Map<number, number>;
  streamAfterRecovery: number;
}

/** Uploads on the v2 endpoint from a few workers until told to stop; counts what was accepted. */
function steadyLoad(service: TestService, prefix: string) {
  const tally: LoadTally = { accepted: 0, byStatus: new Map(), streamAfterRecovery: 0 };
  let stop = false;
  let sequence = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (!stop) {
      const i = sequence++;
      const response = await service.post('/upload_health_data_v2', { data: { deviceSn: `${prefix}_${i}`, heart_rate: 60 } });
      tally.byStatus.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);
      if (response.status === 200) tally.accepted++;
      await new Promise((r) => setTimeout(r, 2));
    }
  });
  return { tally, stop: async () => { stop = true; await Promise.all(workers); } };
}

describe('a Redis outage during load', () => {
  it('keeps ingest answering through the batch path, reports degraded, and resumes the stream path by itself', async () => {
    const redis: TestRedis = await startTestRedis({ appendonly: true });
    started.push(redis);
    const service = await startTestService({ redisUrl: redis.url });
    started.push(service);
    const load = steadyLoad(service, 'OUTAGE');
    await eventually(() => load.tally.accepted >= 30, { timeoutMs: 30_000 });
    await redis.stop();

    const health = await eventually(async () => {
      const h = await service.get('/api/stream_health');
      return h.status === 503 ? h : undefined;
    });
    expect(health.json.status).toBe('degraded');
    const during = await service.post('/upload_health_data_v2', { data: { deviceSn: 'DURING_OUTAGE', heart_rate: 60 } });
    expect(during.status).toBe(200);
    expect(during.headers.get('x-streamctl-path')).toBe('traditional');
    await new Promise((r) => setTimeout(r, 1_000));

    const revived: EmbeddedRedis = await startEmbeddedRedis({ dir: redis.dir, port: redis.port, appendonly: true });
    started.push(revived);
    await eventually(async () => (await service.get('/api/stream_health')).status === 200, { timeoutMs: 20_000 });
    await eventually(async () => (await service.post('/upload_health_data_v2', { data: { deviceSn: 'AFTER_OUTAGE', heart_rate: 60 } })).headers.get('x-streamctl-path') === 'stream', { timeoutMs: 10_000 });
    await load.stop();

    const serverErrors = [...load.tally.byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    // At most the breaker's threshold of uploads may fail while it trips; the rest fall back.
    expect(serverErrors).toBeLessThanOrEqual(5);
    expect(load.tally.accepted).toBeGreaterThanOrEqual(30);
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'OUTAGE_%'") === load.tally.accepted, { timeoutMs: 20_000 });
    expect(service.count('user_health_data', "device_sn = 'DURING_OUTAGE'")).toBe(1);
  });

  it('waits for a Redis that is not up yet at start-up instead of failing', async () => {
    const port = await freePort();
    const starting = startTestService({ redisUrl: `redis://127.0.0.1:${port}` });
    await new Promise((r) => setTimeout(r, 1_000));
    const late = await startTestRedis();
    started.push(late);
    await late.stop();
    const redis = await startEmbeddedRedis({ dir: late.dir, port, appendonly: false });
    started.push(redis);
    const service = await starting;
    started.push(service);
    expect((await service.post('/upload_health_data_v2', { data: { deviceSn: 'LATE_REDIS', heart_rate: 1 } })).status).toBe(200);
    await eventually(() => service.count('user_health_data', "device_sn = 'LATE_REDIS'") === 1);
  });
});
