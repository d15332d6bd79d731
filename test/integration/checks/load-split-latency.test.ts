import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { summariseLoad } from '../../../src/adapters/load-runner-http.js';
import { runLoad } from '../../../src/checks/adapters/http-load.js';
import { parseMix } from '../../../src/checks/load/mix.js';
import { renderLoadReport } from '../../../src/cli/render/load-report.js';
import { loadText } from '../../../src/cli/render/run-events.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Issue 18, kind 5: 9 requests in 10 refused at once with 503, the 10th accepted after 800 ms. */
async function mostlyRefusingTarget(): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const accept = n++ % 10 === 9;
      const answer = () => {
        res.writeHead(accept ? 200 : 503, { 'content-type': 'application/json' });
        res.end(accept ? '{"status":"accepted"}' : '{"status":"error","message":"busy"}');
      };
      if (accept) setTimeout(answer, 800);
      else answer();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('load shows the latency of successes and failures apart', () => {
  it('a target that refuses 9 in 10 at once and accepts the 10th after 800 ms reads p50 >= 800 ms for the accepted', async () => {
    const target = await mostlyRefusingTarget();
    const report = await runLoad({ target, rate: 20, durationMs: 1_500, devices: 10, connections: 64, mix: parseMix(undefined, undefined), maxErrorRate: 1 });
    expect(report.schema).toBe('streamctl.load/v2');
    expect(report.sent).toBe(30);
    expect(report.errors).toEqual({ 503: 27 });
    // --max-error-rate 100 makes the run itself pass; the figures must still say what happened.
    expect(report.exit_code).toBe(0);
    expect(report.latency_ms.ok.count).toBe(3);
    expect(report.latency_ms.ok.p50!).toBeGreaterThanOrEqual(800);
    expect(report.latency_ms.failed.count).toBe(27);
    expect(report.latency_ms.failed.p50!).toBeLessThan(400);

    // The JSON document (`load --json`) carries both.
    const json = JSON.parse(JSON.stringify(report));
    expect(json.latency_ms.ok.p50).toBeGreaterThanOrEqual(800);

    // The text report: one latency row each.
    const text = renderLoadReport(report, { color: false });
    const okRow = text.split('\n').find((line) => /^│ 2xx\s+│/.test(line))!;
    const failedRow = text.split('\n').find((line) => /^│ failed\s+│/.test(line))!;
    expect(okRow).toMatch(/│ 3\s+│ 8\d\d(\.\d+)?\s+│/);
    expect(failedRow).toMatch(/│ 27\s+│/);

    // A scenario step's `load:` summary (journal, run output).
    const summary = summariseLoad(report, false);
    expect(summary.p50Ms!).toBeGreaterThanOrEqual(800);
    expect(summary.failedLatency).toMatchObject({ count: 27 });
    expect(summary.failedLatency!.p50Ms!).toBeLessThan(400);
    expect(loadText(summary)).toMatch(/3 accepted, p95 8\d\d(\.\d)?ms, errors 503:27 \(90%, failed p95 \d+(\.\d)?ms\)/);
  });
});
