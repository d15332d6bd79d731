import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpLoadRunner } from '../../../src/adapters/load-runner-http.js';
import type { HttpLoadOptions } from '../../../src/checks/adapters/http-load.js';
import type { LoadReport } from '../../../src/checks/load/report.js';
import { ExitCode } from '../../../src/shared/exit-code.js';

let server: Server;
let url = '';
const seen: Array<{ path: string; device: string }> = [];

beforeAll(async () => {
  // Every 7th upload is refused with 500, so the summary has errors by status.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', device: (JSON.parse(body) as { data: { deviceSn: string } }).data.deviceSn });
      res.writeHead(seen.length % 7 === 0 ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpLoadRunner (the LoadRunner port over streamctl load)', () => {
  it('loads the target until stopped, then summarises what the server saw', async () => {
    seen.length = 0;
    const runner = new HttpLoadRunner({ target: url, devicePrefix: 'UNIT_' });
    const handle = await runner.start({ rate: 200, durationMs: 60_000, devices: 5, endpoint: '/upload_health_data' });
    await new Promise((r) => setTimeout(r, 400));
    const stopping = handle.stop();
    const summary = await stopping;
    // Stopped early: far fewer than 60 s worth, and every request sent was answered.
    expect(summary.stoppedEarly).toBe(true);
    expect(summary.durationMs).toBeLessThan(2_000);
    expect(summary.sent).toBeGreaterThan(20);
    expect(summary.sent).toBe(seen.length);
    expect(summary.ok + (summary.errors['500'] ?? 0)).toBe(summary.sent);
    expect(summary.errors['500']).toBe(Math.floor(seen.length / 7));
    expect(summary.p95Ms).not.toBeNull();
    expect(summary.targetRate).toBe(200);
    expect(new Set(seen.map((s) => s.path))).toEqual(new Set(['/upload_health_data']));
    expect(new Set(seen.map((s) => s.device)).size).toBe(5);
    expect(seen.every((s) => s.device.startsWith('UNIT_'))).toBe(true);
    // Idempotent: the same summary, and nothing more is sent.
    const sent = seen.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(await handle.stop()).toBe(summary);
    expect(seen.length).toBe(sent);
  });

  it('a load that ran its whole duration is not "stopped early"', async () => {
    const handle = await new HttpLoadRunner({ target: url }).start({ rate: 100, durationMs: 200 });
    await new Promise((r) => setTimeout(r, 400));
    const summary = await handle.stop();
    expect(summary.stoppedEarly).toBe(false);
    expect(summary.sent).toBe(20);
  });

  it('passes the step and the connection through to the generator, with defaults', async () => {
    let got: HttpLoadOptions | undefined;
    const report = { target_rate: 50, achieved_rate: 49.5, sent: 10, ok: 10, dropped: 0, errors: {}, error_rate: 0, latency_ms: { ok: { count: 10, p50: 1, p95: 2, p99: 3, max: 4, mean: 1 }, failed: { count: 0, p50: null, p95: null, p99: null, max: null, mean: null } }, duration_ms: 200, message: 'fine' } as unknown as LoadReport;
    const runner = new HttpLoadRunner({ target: 'http://svc:5225', token: 't0k', run: async (options) => ((got = options), report) });
    const summary = await (await runner.start({ rate: 50, durationMs: 200 })).stop();
    expect(got).toMatchObject({ target: 'http://svc:5225', token: 't0k', rate: 50, durationMs: 200, devices: 1000, connections: 32, devicePrefix: 'LOAD_', timeoutMs: 10_000 });
    expect(got!.mix).toEqual([{ kind: 'health', path: '/upload_health_data_v2', weight: 1 }]);
    expect(summary).toMatchObject({ achievedRate: 49.5, p50Ms: 1, p95Ms: 2, p99Ms: 3, message: 'fine', stoppedEarly: false });
  });

  it('a generator that throws yields a summary that says so, never a rejection', async () => {
    const runner = new HttpLoadRunner({ target: url, run: async () => { throw new Error('pool exploded'); } });
    const summary = await (await runner.start({ rate: 10, durationMs: 100 })).stop();
    expect(summary).toMatchObject({ error: 'pool exploded', sent: 0, ok: 0 });
  });

  it('refuses an endpoint it cannot build a body for, before sending anything', async () => {
    await expect(new HttpLoadRunner({ target: url }).start({ rate: 10, durationMs: 100, endpoint: '/api/stream_metrics' })).rejects.toMatchObject({ exitCode: ExitCode.Usage });
  });
});
