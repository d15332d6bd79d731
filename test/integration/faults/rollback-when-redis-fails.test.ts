import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../../src/runtime/embedded-redis.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

/**
 * The issue asks for an answer within 1 s; the bound here leaves room for a CI machine whose two
 * cores are shared, while still failing the old behaviour (no answer within 12 s).
 */
const ANSWER_BOUND_MS = 3_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

async function sharedRatio(url: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
  try {
    await client.connect();
    return await client.get('streamctl:ratio');
  } finally {
    client.disconnect();
  }
}

async function startPair(): Promise<{ redis: TestRedis; service: TestService }> {
  const redis = await startTestRedis();
  cleanups.push(() => redis.cleanup());
  const service = await startTestService({ redisUrl: redis.url, ratio: 0.5 });
  cleanups.push(() => service.cleanup());
  return { redis, service };
}

describe('the emergency rollback when Redis is broken', () => {
  it('with Redis killed: this instance routes 0% at once, says so, and writes 0 to Redis once it is back', async () => {
    const { redis, service } = await startPair();
    redis.kill();
    await eventually(async () => (await service.get('/api/stream_health')).status === 503);

    const { value: rollback, ms } = await timed(() => service.post('/api/emergency_rollback', { reason: 'redis killed' }));
    expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    expect(rollback.status).toBe(500);
    expect(rollback.json).toMatchObject({ success: false, traffic_ratio: 0, old_ratio: 0.5, local_override: true });
    expect(rollback.json.error).toContain('ratio is 0 on this instance');

    const ratio = await service.get('/api/stream_traffic_ratio');
    expect(ratio.json).toMatchObject({ current_ratio: 0, local_override: true });
    const health = await service.get('/api/stream_health');
    expect(health.json.local_override).toMatchObject({ ratio: 0 });
    expect(health.json.problems.join(' ')).toContain('emergency rollback holds on this instance only');
    const upload = await service.post('/upload_health_data', { data: { deviceSn: 'RB_1', heart_rate: 70, timestamp: 1764000000 } });
    expect(upload.headers.get('x-streamctl-path')).toBe('traditional');

    // Redis returns (empty, as after a crash without persistence): the override writes 0 there.
    const revived: EmbeddedRedis = await startEmbeddedRedis({ dir: redis.dir, port: redis.port, appendonly: false });
    cleanups.push(() => revived.stop());
    await eventually(async () => (await sharedRatio(redis.url)) === '0', { timeoutMs: 20_000 });
    await eventually(async () => (await service.get('/api/stream_traffic_ratio')).json.local_override === undefined, { timeoutMs: 10_000 });
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0);
  });

  it('with Redis stopped (SIGSTOP): rollback and metrics answer in time, and the shared ratio is 0 once Redis resumes', async () => {
    const { redis, service } = await startPair();
    process.kill(redis.pid!, 'SIGSTOP');
    cleanups.push(async () => {
      process.kill(redis.pid!, 'SIGCONT');
    });

    const { value: rollback, ms } = await timed(() => service.post('/api/emergency_rollback', {}));
    expect(ms).toBeLessThan(ANSWER_BOUND_MS);
    expect(rollback.status).toBe(500);
    expect(rollback.json).toMatchObject({ traffic_ratio: 0, local_override: true });
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0);

    const { value: metrics, ms: metricsMs } = await timed(() => service.get('/api/stream_metrics'));
    expect(metricsMs).toBeLessThan(ANSWER_BOUND_MS);
    expect(metrics.status).toBe(200);
    expect(metrics.json.summary.stream).toBeDefined();

    // Every admin answer is bounded, even one whose handler waits on the silent Redis.
    const { value: setRatio, ms: setMs } = await timed(() => service.post('/api/stream_traffic_ratio', { ratio: 0.2 }));
    expect(setMs).toBeLessThan(ANSWER_BOUND_MS + 5_000);
    expect(setRatio.status).toBe(503);

    process.kill(redis.pid!, 'SIGCONT');
    // The queued write of 0.2 may land after Redis resumes (the 503 said so); the rollback's 0 was
    // queued first, so the shared value ends at whichever came last: read back, as the CLI does.
    await eventually(async () => ['0', '0.2'].includes((await sharedRatio(redis.url)) ?? ''), { timeoutMs: 20_000 });
    await eventually(async () => (await service.get('/api/stream_traffic_ratio')).json.local_override === undefined, { timeoutMs: 10_000 });
  });

  it('with Redis healthy: 200, every instance rolled back, no override', async () => {
    const { redis, service } = await startPair();
    const rollback = await service.post('/api/emergency_rollback', { reason: 'drill' });
    expect(rollback.status).toBe(200);
    expect(rollback.json).toMatchObject({ success: true, traffic_ratio: 0, old_ratio: 0.5 });
    expect(rollback.json.current_metrics.summary.stream).toBeDefined();
    expect(await sharedRatio(redis.url)).toBe('0');
    expect((await service.get('/api/stream_traffic_ratio')).json.local_override).toBeUndefined();
  });
});
