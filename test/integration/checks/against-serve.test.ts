import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startService, type RunningService } from '../../../src/runtime/service.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { createConsistencyEndpoint } from '../../../src/checks/adapters/consistency-endpoint.js';
import { fetchConsistencyDocument } from '../../../src/checks/adapters/consistency-http.js';
import { runLoad } from '../../../src/checks/adapters/http-load.js';
import { parseMix } from '../../../src/checks/load/mix.js';
import { runValidation } from '../../../src/checks/validate/run.js';
import { HttpUploadSender } from '../../../src/checks/adapters/validate-http.js';
import { openValidationRows } from '../../../src/checks/adapters/validate-rows.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';

let redis: TestRedis;
let service: RunningService;
let dir: string;

beforeAll(async () => {
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'streamctl-checks-serve-'));
  service = await startService(
    { port: 0, redisUrl: redis.url, dataDir: dir, database: join(dir, 'streamctl.db'), ratio: 0.5, logLevel: 'error' },
    { logger: silentLogger, consistency: createConsistencyEndpoint },
  );
});

afterAll(async () => {
  await service?.close();
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface StreamMetrics {
  summary: { stream: { requests: number; p95_response_time: number; avg_response_time: number } };
}

describe('checks against streamctl serve', () => {
  it('load reaches its rate and its percentiles are never better than the service\'s own', async () => {
    const report = await runLoad({ target: service.url, rate: 300, durationMs: 2_000, devices: 100, connections: 16, mix: parseMix('health:8,device:1,event:1', undefined) });
    expect(report).toMatchObject({ sent: 600, ok: 600, exit_code: 0, errors: {} });
    expect(report.achieved_rate).toBeGreaterThanOrEqual(300 * 0.95);
    const metrics = (await (await request(`${service.url}/api/stream_metrics`)).body.json()) as StreamMetrics;
    expect(metrics.summary.stream.requests).toBe(600);
    // The client's time includes the server's and more (loopback, queueing from the due time);
    // the service's histogram and ours each round up by at most 1/64.
    expect(report.latency_ms.ok.p95!).toBeGreaterThanOrEqual(metrics.summary.stream.p95_response_time * 0.95);
    expect(report.latency_ms.ok.mean!).toBeGreaterThanOrEqual(metrics.summary.stream.avg_response_time * 0.95);
  });

  it('validate matches both paths of the real service', async () => {
    const sender = new HttpUploadSender(service.url, 10, 5_000);
    const rows = await openValidationRows(service.databasePath);
    try {
      const report = await runValidation({ sender, rows }, { target: service.url, rate: 20, durationMs: 1_000, concurrency: 5, tolerance: 1e-6, maxExamples: 5, minSamples: 10, persistTimeoutMs: 10_000 });
      expect(report.examples).toEqual([]);
      expect(report).toMatchObject({ samples: 20, exit_code: 0 });
      expect(report.counts.match).toBe(20);
    } finally {
      await sender.close();
      await rows.close();
    }
  });

  it('GET /api/consistency judges everything just sent as consistent, test devices left out', async () => {
    // Judge a window that holds all of the above; poll until consumers and the batch path settle.
    const atMs = Date.now() + 60_000;
    let doc: ConsistencyDocument | undefined;
    for (let attempt = 0; attempt < 40; attempt++) {
      doc = await fetchConsistencyDocument(service.url, { atMs, graceMs: 0, windowMs: 600_000 });
      if (doc.verdict === 'consistent') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(doc!.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(doc!.exit_code).toBe(0);
    expect(doc!.paths!.stream_v2.health_data).toEqual({ accepted: 480, persisted: 480 });
    expect(doc!.paths!.stream_v2.device_info).toEqual({ accepted: 60, persisted: 60 });
    expect(doc!.paths!.stream_v2.common_event).toEqual({ accepted: 60, persisted: 60 });
    const bad = await request(`${service.url}/api/consistency?window=soon`);
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
  });
});
