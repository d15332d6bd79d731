import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiClient } from '../../../src/adapters/admin-api-client.js';
import { AdminApiError } from '../../../src/adapters/admin-api-errors.js';
import { HttpConsistencyGate } from '../../../src/adapters/consistency-gate-http.js';
import { normaliseTarget } from '../../../src/adapters/http-json.js';
import { UnreachableError, UsageError } from '../../../src/shared/errors.js';
import { FakeService, startFakeService } from '../../helpers/fake-service.js';

let service: FakeService | undefined;
let client: AdminApiClient | undefined;
afterEach(async () => {
  await client?.close();
  await service?.stop();
  service = client = undefined;
});

describe('admin API client', () => {
  it('reads streamctl serve: health, ratio, windowed metrics with p99, backlog, audit', async () => {
    service = await startFakeService();
    client = new AdminApiClient({ target: service.url });
    expect(await client.health()).toEqual({ healthy: true, status: 'healthy', streams: ['health_data_stream', 'device_info_stream', 'common_event_stream'], service: 'streamctl' });
    await client.setRatio(0.3, 'why');
    expect(service.calls('POST', '/api/stream_traffic_ratio')[0]!.body).toEqual({ ratio: 0.3, reason: 'why' });
    expect(await client.getRatio()).toBe(0.3);
    const m = await client.read();
    expect(m.windowSeconds).toBe(60);
    expect(m.stream).toMatchObject({ requests: 500, errorRate: 0.1, p95Ms: 40, p99Ms: 60 });
    const stats = await client.streamStats();
    expect(stats.streams[0]!.backlog).toEqual({ lag: 3, pending: 2, oldestPendingMs: 150, deadLetters: 1, trimmedUnconsumed: 0 });
    expect((await client.audit(5))![0]).toMatchObject({ action: 'ratio_set', old: 0, new: 0.3, reason: 'why' });
  });

  it('reads the original service: no status, no p99, cumulative metrics, no audit', async () => {
    service = await startFakeService({ original: true });
    client = new AdminApiClient({ target: service.url });
    service.healthy = false;
    expect(await client.health()).toMatchObject({ healthy: false, status: 'unhealthy' });
    const m = await client.read();
    expect(m.windowSeconds).toBeNull();
    expect(m.stream.p99Ms).toBeNull();
    expect(await client.audit(5)).toBeNull();
    expect((await client.streamStats()).streams[0]!.backlog).toBeUndefined();
    expect(await new HttpConsistencyGate(client.http).run()).toMatchObject({ verdict: 'skipped' });
  });

  it('sends the bearer token and explains a 401', async () => {
    service = await startFakeService({ token: 's3cret' });
    client = new AdminApiClient({ target: service.url, token: 'wrong' });
    const error = await client.setRatio(0.2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminApiError);
    expect((error as AdminApiError).status).toBe(401);
    expect((error as AdminApiError).hint).toContain('STREAMCTL_TOKEN');
    await client.close();
    client = new AdminApiClient({ target: service.url, token: 's3cret' });
    await client.setRatio(0.2);
    expect(service.log.at(-1)!.authorization).toBe('Bearer s3cret');
  });

  it('turns connection failures into UnreachableError (exit 2)', async () => {
    service = await startFakeService();
    service.down = true;
    client = new AdminApiClient({ target: service.url, timeoutMs: 500 });
    await expect(client.getRatio()).rejects.toBeInstanceOf(UnreachableError);
  });

  it('reports a rollback 500 as an unsuccessful reply, not a crash', async () => {
    service = await startFakeService();
    service.rollbackMode = 'fail';
    client = new AdminApiClient({ target: service.url });
    expect(await client.emergencyRollback('x')).toMatchObject({ success: false, error: 'rollback exploded' });
    expect(service.calls('POST', '/api/emergency_rollback')[0]!.body).toEqual({ reason: 'x', drain: true });
  });

  it('rejects answers of the wrong shape with a clear error', async () => {
    service = await startFakeService();
    client = new AdminApiClient({ target: service.url });
    service.failNext.set('GET /api/stream_metrics', 1);
    await expect(client.read()).rejects.toThrow(/answered 500/);
  });

  it('validates --target', () => {
    expect(normaliseTarget('http://127.0.0.1:5225/')).toBe('http://127.0.0.1:5225');
    expect(() => normaliseTarget('127.0.0.1:5225')).toThrow(UsageError);
    expect(() => normaliseTarget('ftp://x')).toThrow(UsageError);
  });
});
