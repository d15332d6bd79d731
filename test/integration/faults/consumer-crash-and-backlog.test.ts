import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEntryFields } from '../../../src/runtime/wire-format.js';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

let service: TestService;
let redis: Redis;

beforeAll(async () => {
  service = await startTestService({ ratio: 1, claimIdleMs: 1_000, maxBacklog: 100 });
  redis = new Redis(service.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await service?.cleanup();
});

function healthFields(deviceSn: string): string[] {
  return encodeEntryFields('health_data', JSON.stringify({ deviceSn, heart_rate: 70 }), deviceSn, Date.now(), randomUUID());
}

async function backlog(stream = 'health_data_stream') {
  return (await service.get('/api/stream_stats')).json.stream_stats.streams[stream].backlog;
}

describe('a consumer that dies mid-batch', () => {
  it('leaves its entries pending; a live consumer reclaims them after the idle threshold and persists each once', async () => {
    // A consumer named "crashed-worker" takes 20 entries and dies before acking them.
    const multi = redis.multi();
    for (let i = 0; i < 20; i++) multi.xadd('health_data_stream', '*', ...healthFields(`GHOST_${i}`));
    multi.xreadgroup('GROUP', 'health_processors', 'crashed-worker', 'COUNT', 20, 'STREAMS', 'health_data_stream', '>');
    await multi.exec();
    const pendingAtStart = (await redis.xpending('health_data_stream', 'health_processors')) as [number];
    expect(pendingAtStart[0]).toBeGreaterThanOrEqual(20);
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'GHOST_%'") === 20, { timeoutMs: 20_000 });
    await eventually(async () => ((await redis.xpending('health_data_stream', 'health_processors')) as [number])[0] === 0);
    const perDevice = service.rows<{ n: number }>("SELECT COUNT(*) AS n FROM user_health_data WHERE device_sn LIKE 'GHOST_%' GROUP BY device_sn");
    expect(perDevice.every((r) => r.n === 1)).toBe(true);
  });
});

describe('a backlog pushed past the cap with the consumers stopped', () => {
  it('answers 503 with Retry-After before the cap and destroys no accepted entry', async () => {
    await service.post('/api/emergency_rollback', { drain: false });
    await service.post('/api/stream_traffic_ratio', { ratio: 0 });
    expect((await service.get('/api/stream_health')).json.consumers.halted).toBe(true);
    const lengthBefore = await redis.xlen('health_data_stream');
    let accepted = 0;
    let refused = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 150; i++) {
      const response = await service.post('/upload_health_data_v2', { data: { deviceSn: `CAP_${i}`, heart_rate: 60 } });
      if (response.status === 200) accepted++;
      if (response.status === 503) {
        refused++;
        retryAfter = response.headers.get('retry-after');
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(retryAfter).toBe('1');
    expect(accepted).toBeLessThan(100);
    // Several monitor passes run meanwhile; none may trim an unconsumed entry.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await redis.xlen('health_data_stream')).toBeGreaterThanOrEqual(lengthBefore + accepted - 0);
    expect((await backlog()).unconsumed).toBeGreaterThanOrEqual(accepted);
    await service.post('/api/stream_traffic_ratio', { ratio: 1 });
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'CAP_%'") === accepted, { timeoutMs: 20_000 });
    await eventually(async () => (await service.post('/upload_health_data_v2', { data: { deviceSn: 'CAP_AFTER', heart_rate: 1 } })).status === 200);
  });

  it('counts entries another writer trimmed before any consumer read them, instead of skipping them in silence', async () => {
    await service.post('/api/emergency_rollback', { drain: false });
    await eventually(async () => (await service.get('/api/stream_health')).json.consumers.running === 0);
    for (let i = 0; i < 12; i++) await service.post('/upload_health_data_v2', { data: { deviceSn: `TRIMMED_${i}`, heart_rate: 60 } });
    // An operator (or a producer using plain MAXLEN) trims everything away.
    await redis.xtrim('health_data_stream', 'MAXLEN', 0);
    await service.post('/api/stream_traffic_ratio', { ratio: 1 });
    const lost = await eventually(async () => {
      const b = await backlog();
      return b.trimmed_unconsumed >= 12 ? b.trimmed_unconsumed : undefined;
    }, { timeoutMs: 10_000 });
    expect(lost).toBe(12);
    expect((await service.get('/metrics')).text).toMatch(/streamctl_trimmed_unconsumed_total\{stream="health_data_stream"\} 12/);
    // The phantom lag left by the lost entries must not read as a backlog and turn uploads away.
    expect((await backlog()).unconsumed).toBeLessThan(12);
    expect((await service.post('/upload_health_data_v2', { data: { deviceSn: 'AFTER_TRIM', heart_rate: 1 } })).status).toBe(200);
  });
});
