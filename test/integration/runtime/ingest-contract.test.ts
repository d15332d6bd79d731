import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, eventually, type TestService } from '../../helpers/service.js';

let service: TestService;

beforeAll(async () => {
  service = await startTestService({ ratio: 0 });
});
afterAll(async () => {
  await service?.cleanup();
});

// Health readings travel in the body's `data` member, as the original's devices send them.
const health = { deviceSn: 'CONTRACT_1', heart_rate: 72, blood_oxygen: 98, body_temperature: 36.6, blood_pressure_systolic: 120, blood_pressure_diastolic: 80, step: 1200, timestamp: 1764000000 };

describe('v2 ingest endpoints (spec §2)', () => {
  it('accepts health data with the spec shape, processing=async, and persists it as stream_v2', async () => {
    const response = await service.post('/upload_health_data_v2', { data: health });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'accepted', stream_id: expect.stringMatching(/^\d+-\d+$/), message: expect.any(String), processing: 'async' });
    const rows = await eventually(() => service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'CONTRACT_1'").at(0));
    expect(rows).toMatchObject({
      upload_method: 'stream_v2', heart_rate: 72, blood_oxygen: 98, temperature: 36.6, pressure_high: 120, pressure_low: 80, step: 1200,
      timestamp: '2025-11-24T16:00:00.000Z',
    });
    // `<acceptance ms in hex>-<upload uuid>:<element>`: ids sort by acceptance time.
    expect(rows.ingest_id).toMatch(/^[0-9a-f]{12}-[0-9a-f-]{36}:0$/);
    expect(parseInt(rows.ingest_id.slice(0, 12), 16)).toBe(Date.parse(rows.create_time));
    expect(Date.parse(rows.create_time)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('accepts device info and events without `processing`, and persists both', async () => {
    const info = await service.post('/upload_device_info_v2', { SerialNumber: 'CONTRACT_2', battery: 81, firmware: '2.1.0' });
    expect(info.status).toBe(200);
    expect(info.json).toEqual({ status: 'accepted', stream_id: expect.any(String), message: expect.any(String) });
    const event = await service.post('/upload_common_event_v2', { deviceSn: 'CONTRACT_2', eventType: 'fall_detected', level: 3 });
    expect(event.status).toBe(200);
    expect(event.json.processing).toBeUndefined();
    const infoRow = await eventually(() => service.rows<any>("SELECT * FROM user_device_info WHERE device_sn = 'CONTRACT_2'").at(0));
    expect(JSON.parse(infoRow.payload)).toEqual({ SerialNumber: 'CONTRACT_2', battery: 81, firmware: '2.1.0' });
    const eventRow = await eventually(() => service.rows<any>("SELECT * FROM user_common_event WHERE device_sn = 'CONTRACT_2'").at(0));
    expect(eventRow).toMatchObject({ event_type: 'fall_detected', upload_method: 'stream_v2' });
  });

  it('persists every element of a list upload, each with its own device time', async () => {
    const list = [0, 1, 2, 3, 4].map((i) => ({ deviceSn: 'CONTRACT_LIST', heart_rate: 60 + i, timestamp: 1764000000 + i * 60 }));
    const response = await service.post('/upload_health_data_v2', { data: list });
    expect(response.status).toBe(200);
    const rows = await eventually(() => {
      const found = service.rows<any>("SELECT * FROM user_health_data WHERE device_sn = 'CONTRACT_LIST' ORDER BY heart_rate");
      return found.length === 5 ? found : undefined;
    });
    expect(rows.map((r) => r.heart_rate)).toEqual([60, 61, 62, 63, 64]);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(5);
    expect(rows.map((r) => r.ingest_id.split(':')[1])).toEqual(['0', '1', '2', '3', '4']);
  });

  it('answers 400 in the spec shape for an empty or missing body', async () => {
    for (const body of ['', '   ', 'null']) {
      const response = await service.post('/upload_health_data_v2', body);
      expect(response.status).toBe(400);
      expect(response.json).toEqual({ status: 'error', message: expect.any(String) });
    }
  });

  it('refuses a flat health body (no `data` member) on both endpoints with 400 naming the shape', async () => {
    for (const path of ['/upload_health_data_v2', '/upload_health_data']) {
      const response = await service.post(path, { deviceSn: 'CONTRACT_FLAT', heart_rate: 70 });
      expect(response.status, path).toBe(400);
      expect(response.json).toEqual({ status: 'error', message: expect.stringContaining('has no "data" member') });
    }
    expect(service.count('user_health_data', "device_sn = 'CONTRACT_FLAT'")).toBe(0);
  });
});

describe('legacy endpoints routed by the ratio (spec §3)', () => {
  it('at ratio 0 every legacy kind takes the batch path and answers success', async () => {
    for (const [path, body, table] of [
      ['/upload_health_data', { data: { deviceSn: 'LEGACY_1', heart_rate: 70 } }, 'user_health_data'],
      ['/upload_device_info', { SerialNumber: 'LEGACY_1', battery: 10 }, 'user_device_info'],
      ['/upload_common_event', { deviceSn: 'LEGACY_1', eventType: 'sos' }, 'user_common_event'],
    ] as const) {
      const response = await service.post(path, body);
      expect(response.status).toBe(200);
      expect(response.json.status).toBe('success');
      expect(response.headers.get('x-streamctl-path')).toBe('traditional');
      await eventually(() => service.count(table, "device_sn = 'LEGACY_1' AND upload_method = 'optimized'") === 1);
    }
  });

  it('answers the batch path in the original\'s shape: details counts for a list only', async () => {
    const one = await service.post('/upload_health_data', { data: { deviceSn: 'LEGACY_3', heart_rate: 70 } });
    expect(one.json).toEqual({ status: 'success', message: expect.any(String) });
    const list = await service.post('/upload_health_data', { data: [{ deviceSn: 'LEGACY_3', heart_rate: 71 }, { deviceSn: 'LEGACY_3', heart_rate: 72 }] });
    expect(list.json).toEqual({ status: 'success', message: expect.any(String), details: { success: 2, duplicate: 0, error: 0 } });
    await eventually(() => service.count('user_health_data', "device_sn = 'LEGACY_3' AND upload_method = 'optimized'") === 3);
  });

  it('at ratio 1 the legacy endpoint takes the stream path and answers accepted', async () => {
    expect((await service.post('/api/stream_traffic_ratio', { ratio: 1 })).status).toBe(200);
    const response = await service.post('/upload_health_data', { data: { deviceSn: 'LEGACY_2', heart_rate: 70 } });
    expect(response.json.status).toBe('accepted');
    expect(response.headers.get('x-streamctl-path')).toBe('stream');
    await eventually(() => service.count('user_health_data', "device_sn = 'LEGACY_2' AND upload_method = 'stream_v2'") === 1);
    await service.post('/api/stream_traffic_ratio', { ratio: 0 });
  });
});

describe('admin endpoints (spec §3-4)', () => {
  it('reads and changes the ratio with the spec shapes, recording the change in the audit stream', async () => {
    const set = await service.post('/api/stream_traffic_ratio', { ratio: 0.3, reason: 'step 1' });
    expect(set.status).toBe(200);
    expect(set.json).toEqual({ success: true, old_ratio: 0, new_ratio: 0.3, message: expect.any(String) });
    const read = await service.get('/api/stream_traffic_ratio');
    expect(read.json).toMatchObject({ current_ratio: 0.3, description: '30.0% traffic uses Stream' });
    const audit = await service.get('/api/audit?limit=1');
    expect(audit.json.entries[0]).toMatchObject({ action: 'ratio_set', old: 0, new: 0.3, reason: 'step 1' });
  });

  it('refuses ratios that are not numbers in [0, 1] and changes nothing', async () => {
    await service.post('/api/stream_traffic_ratio', { ratio: 0.3 });
    for (const body of [{ ratio: '0.5' }, { ratio: -0.1 }, { ratio: 1.5 }, { ratio: true }, { ratio: null }, {}, [0.5], '{"ratio": NaN}', '{"ratio": 1e999}']) {
      const response = await service.post('/api/stream_traffic_ratio', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.json.error).toEqual(expect.any(String));
    }
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).toBe(0.3);
  });

  it('reports metrics per path over a sliding window with error_rate as a percentage', async () => {
    const metrics = await service.get('/api/stream_metrics');
    expect(metrics.status).toBe(200);
    for (const path of ['stream', 'traditional']) {
      expect(Object.keys(metrics.json.summary[path]).sort()).toEqual(
        ['avg_response_time', 'error_rate', 'errors', 'p95_response_time', 'p99_response_time', 'qps', 'requests'].sort(),
      );
    }
    expect(metrics.json.summary.stream.requests).toBeGreaterThan(0);
    expect(metrics.json.window_seconds).toBe(60);
    expect(typeof metrics.json.duration_seconds).toBe('number');
    expect(typeof metrics.json.timestamp).toBe('number');
  });

  it('reports stream stats in the spec shape plus the backlog', async () => {
    const stats = await service.get('/api/stream_stats');
    expect(stats.json.stream_stats.manager_stats).toMatchObject({ messages_produced: expect.any(Number), messages_consumed: expect.any(Number), errors: expect.any(Number) });
    const health = stats.json.stream_stats.streams.health_data_stream;
    expect(health.stream_info).toMatchObject({ name: 'health_data_stream', groups: 1 });
    expect(health.config).toEqual({ consumer_group: 'health_processors', max_len: 100_000, ttl: 604_800 });
    expect(health.backlog).toMatchObject({ pending: expect.any(Number), dead_letters: 0, trimmed_unconsumed: 0 });
    expect(Object.keys(stats.json.consumer_stats).length).toBe(3);
    expect(typeof stats.json.timestamp).toBe('number');
  });

  it('reports health, and Prometheus text at /metrics', async () => {
    const health = await service.get('/api/stream_health');
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ healthy: true, status: 'healthy', streams: ['health_data_stream', 'device_info_stream', 'common_event_stream'] });
    const prometheus = await service.get('/metrics');
    expect(prometheus.text).toContain('# TYPE streamctl_traffic_ratio gauge');
    expect(prometheus.text).toMatch(/streamctl_requests_window\{path="stream"\} \d+/);
  });

  it('has no chaos endpoint without --enable-chaos', async () => {
    expect((await service.post('/api/chaos', { stream_error_rate: 1 })).status).toBe(404);
  });

  it('answers unknown paths and methods with JSON 404 and 405', async () => {
    expect((await service.get('/nope')).status).toBe(404);
    const wrongMethod = await service.get('/upload_health_data_v2');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.error).toContain('GET');
  });

  it('grants one lease holder at a time', async () => {
    const first = await service.post('/api/lease', { name: 'cutover', holder: 'run-a@host', ttl_ms: 60_000 });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ acquired: true, holder: 'run-a@host', renewed: false });
    // The same holder again renews, and says the lease was still its own (no gap another run could use).
    const again = await service.post('/api/lease', { name: 'cutover', holder: 'run-a@host', ttl_ms: 60_000 });
    expect(again.json).toMatchObject({ acquired: true, renewed: true });
    const second = await service.post('/api/lease', { name: 'cutover', holder: 'run-b@host', ttl_ms: 60_000 });
    expect(second.status).toBe(409);
    expect(second.json).toMatchObject({ acquired: false, holder: 'run-a@host' });
    expect((await service.get('/api/lease?name=cutover')).json).toMatchObject({ held: true, holder: 'run-a@host' });
    const wrongRelease = await fetch(`${service.url}/api/lease?name=cutover&holder=run-b@host`, { method: 'DELETE' });
    expect(wrongRelease.status).toBe(409);
    const release = await fetch(`${service.url}/api/lease?name=cutover&holder=run-a@host`, { method: 'DELETE' });
    expect(release.status).toBe(200);
    expect((await service.post('/api/lease', { name: 'cutover', holder: 'run-b@host', ttl_ms: 60_000 })).status).toBe(200);
  });
});
