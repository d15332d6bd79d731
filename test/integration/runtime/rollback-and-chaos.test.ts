import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ ratio: 1, enableChaos: true });
});
afterAll(async () => {
  await service?.cleanup();
});

async function burst(prefix: string, count: number, concurrency = 25): Promise<number> {
  let next = 0;
  let accepted = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      const response = await service.post('/upload_health_data', { data: { deviceSn: `${prefix}_${i}`, heart_rate: 60 } });
      if (response.status === 200) accepted++;
    }
  }));
  return accepted;
}

describe('emergency rollback', () => {
  it('sets the ratio to 0 at once while what the streams hold keeps draining to the database', async () => {
    const accepted = await burst('DRAIN', 600);
    const rollback = await service.post('/api/emergency_rollback', { reason: 'error rate 3.2% > 1%' });
    expect(rollback.status).toBe(200);
    expect(rollback.json).toMatchObject({ success: true, traffic_ratio: 0, consumers_stopped: false, draining: true });
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0);
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'DRAIN_%'") === accepted, { timeoutMs: 20_000 });
    const next = await service.post('/upload_health_data', { data: { deviceSn: 'AFTER_ROLLBACK', heart_rate: 60 } });
    expect(next.headers.get('x-streamctl-path')).toBe('traditional');
    const audit = (await service.get('/api/audit?limit=1')).json.entries[0];
    expect(audit).toMatchObject({ action: 'rollback', new: 0, reason: 'error rate 3.2% > 1%' });
  });

  it('with drain=false halts the consumers as the original did, and keeps the entries pending', async () => {
    const halt = await service.post('/api/emergency_rollback', { drain: false });
    expect(halt.json).toMatchObject({ consumers_stopped: true, draining: false });
    await eventually(async () => (await service.get('/api/stream_health')).json.consumers.running === 0);
    const kept = await service.post('/upload_health_data_v2', { data: { deviceSn: 'HALTED_1', heart_rate: 60 } });
    expect(kept.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(service.count('user_health_data', "device_sn = 'HALTED_1'")).toBe(0);
    await service.post('/api/stream_traffic_ratio', { ratio: 0.1 });
    await eventually(() => service.count('user_health_data', "device_sn = 'HALTED_1'") === 1);
  });
});

describe('chaos (--enable-chaos)', () => {
  it('injects stream errors and latency that the metrics show, and clears them', async () => {
    await service.post('/api/stream_traffic_ratio', { ratio: 1 });
    const set = await service.post('/api/chaos', { stream_error_rate: 1 });
    expect(set.json).toEqual({ success: true, chaos: { stream_error_rate: 1, stream_extra_latency_ms: 0 } });
    const failed = await service.post('/upload_health_data_v2', { data: { deviceSn: 'CHAOS_1', heart_rate: 1 } });
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ status: 'error', message: expect.stringContaining('chaos') });
    const metrics = (await service.get('/api/stream_metrics')).json;
    expect(metrics.summary.stream.errors).toBeGreaterThanOrEqual(1);
    expect(metrics.summary.stream.error_rate).toBeGreaterThan(0);
    await service.post('/api/chaos', { stream_error_rate: 0, stream_extra_latency_ms: 150 });
    const started = Date.now();
    const slow = await Promise.all(Array.from({ length: 30 }, (_, i) => service.post('/upload_health_data_v2', { data: { deviceSn: `CHAOS_2_${i}`, heart_rate: 1 } })));
    expect(slow.every((r) => r.status === 200)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect((await service.get('/api/stream_metrics')).json.summary.stream.p99_response_time).toBeGreaterThanOrEqual(150);
    expect((await service.post('/api/chaos', { stream_error_rate: 2 })).status).toBe(400);
    await service.post('/api/chaos', { stream_extra_latency_ms: 0 });
  });
});
