import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

const reading = (sn: string, timestamp: number) => ({ deviceSn: sn, heart_rate: 72, timestamp });

describe("the original devices' health bodies become rows", () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ ratio: 0.5 });
  });

  afterAll(async () => {
    await service?.cleanup();
  });

  it('stores {"data": {...}} as one row and a 3-element {"data": [...]} as three', async () => {
    expect((await service.post('/upload_health_data_v2', { data: reading('W1', 1764000000) })).status).toBe(200);
    expect((await service.post('/upload_health_data_v2', { data: [reading('W3', 1764000000), reading('W3', 1764000001), reading('W3', 1764000002)] })).status).toBe(200);
    await eventually(() => service.count('user_health_data', "device_sn = 'W1'") === 1 && service.count('user_health_data', "device_sn = 'W3'") === 3);
    const row = service.rows<{ heart_rate: number; timestamp: string; upload_method: string }>("SELECT heart_rate, timestamp, upload_method FROM user_health_data WHERE device_sn = 'W1'")[0]!;
    expect(row).toMatchObject({ heart_rate: 72, upload_method: 'stream_v2' });
    expect(row.timestamp).toContain('2025-11-24');
  });

  it('stores both kinds of body on both paths of /upload_health_data at ratio 0.5', async () => {
    const seen = { stream: 0, traditional: 0 };
    let sequence = 0;
    // The path is chosen at random per request: keep uploading (bounded) until both were taken.
    while ((seen.stream < 2 || seen.traditional < 2) && sequence < 400) {
      const single = sequence % 2 === 0;
      const body = single ? { data: reading(`R${sequence}`, 1764000000) } : { data: [reading(`R${sequence}`, 1764000000), reading(`R${sequence}`, 1764000001), reading(`R${sequence}`, 1764000002)] };
      const answer = await service.post('/upload_health_data', body);
      expect(answer.status).toBe(200);
      seen[answer.headers.get('x-streamctl-path') as 'stream' | 'traditional']++;
      sequence++;
    }
    expect(seen.stream).toBeGreaterThanOrEqual(2);
    expect(seen.traditional).toBeGreaterThanOrEqual(2);
    const expected = Array.from({ length: sequence }, (_, i) => (i % 2 === 0 ? 1 : 3)).reduce((a, b) => a + b, 0);
    await eventually(() => service.count('user_health_data', "device_sn LIKE 'R%'") === expected, { timeoutMs: 30_000 });
    expect(service.count('user_health_data', "device_sn LIKE 'R%' AND upload_method = 'stream_v2'")).toBeGreaterThan(0);
    expect(service.count('user_health_data', "device_sn LIKE 'R%' AND upload_method = 'optimized'")).toBeGreaterThan(0);
  });
});
