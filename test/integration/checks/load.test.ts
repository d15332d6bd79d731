import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLoad } from '../../../src/checks/adapters/http-load.js';
import { parseMix } from '../../../src/checks/load/mix.js';
import { freePort } from '../../../src/shared/free-port.js';

interface Served {
  url: string;
  latencies: number[];
  paths: Map<string, number>;
  close(): Promise<void>;
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

/** An ingest stand-in that answers after `delay(now)` ms and measures its own latency per request. */
async function serve(delay: (receivedAt: number) => number): Promise<Served> {
  const latencies: number[] = [];
  const paths = new Map<string, number>();
  const t0 = performance.now();
  const server: Server = createServer((req, res) => {
    const received = performance.now();
    req.resume();
    req.on('end', () => {
      paths.set(req.url!, (paths.get(req.url!) ?? 0) + 1);
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"accepted","stream_id":"1-0"}');
        latencies.push(performance.now() - received);
      }, Math.max(0, delay(received - t0)));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    latencies,
    paths,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

describe('load against an in-process HTTP server', () => {
  it('releases the target rate and its percentiles agree with the server\'s own measurement', async () => {
    served = await serve(() => 20);
    const report = await runLoad({ target: served.url, rate: 400, durationMs: 2_000, devices: 50, connections: 64, mix: parseMix(undefined, undefined) });
    expect(report.sent).toBe(800);
    expect(report.ok).toBe(800);
    expect(report.exit_code).toBe(0);
    expect(report.achieved_rate).toBeGreaterThanOrEqual(400 * 0.95);
    // The client sees the server's time plus the loopback and its own scheduling: never less
    // (beyond the histogram's 1.6 %). No upper bound: on a busy CI machine the extra is real
    // queueing that an open-loop client must report (the fake-clock unit test pins the arithmetic).
    for (const q of [0.5, 0.95, 0.99]) {
      const client = q === 0.5 ? report.latency_ms.ok.p50! : q === 0.95 ? report.latency_ms.ok.p95! : report.latency_ms.ok.p99!;
      expect(client).toBeGreaterThanOrEqual(quantile(served.latencies, q) * 0.98);
    }
    expect(served.paths.get('/upload_health_data_v2')).toBe(800);
  });

  it('shows a server stall in its percentiles instead of hiding it (no coordinated omission)', async () => {
    // Every request that arrives between 300 ms and 800 ms waits until 800 ms.
    served = await serve((at) => (at >= 300 && at < 800 ? 800 - at : 0));
    const report = await runLoad({ target: served.url, rate: 200, durationMs: 2_000, devices: 10, connections: 8, mix: parseMix(undefined, undefined) });
    expect(report.ok).toBe(400);
    // 100 of 400 requests were due inside the stall and waited on average 250 ms: p95 must show it.
    expect(report.latency_ms.ok.p95!).toBeGreaterThan(200);
    expect(report.latency_ms.ok.max!).toBeGreaterThan(400);
  });

  it('keeps the mix and reports an unreachable target as exit 2', async () => {
    served = await serve(() => 0);
    const mixed = await runLoad({ target: served.url, rate: 200, durationMs: 500, devices: 10, connections: 4, mix: parseMix('health:8,device:1,event:1', undefined) });
    expect(mixed.sent).toBe(100);
    expect(Object.fromEntries(served.paths)).toEqual({ '/upload_health_data_v2': 80, '/upload_device_info_v2': 10, '/upload_common_event_v2': 10 });
    const port = await freePort();
    const down = await runLoad({ target: `http://127.0.0.1:${port}`, rate: 50, durationMs: 200, devices: 1, connections: 2, mix: parseMix(undefined, undefined) });
    expect(down.exit_code).toBe(2);
    expect(down.errors).toEqual({ ECONNREFUSED: 10 });
  });
});
