import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HISTOGRAM_RELATIVE_ERROR, LatencyHistogram } from '../../../src/checks/load/histogram.js';
import { mixPicker, parseMix } from '../../../src/checks/load/mix.js';
import { runLoadWith, type LoadClock } from '../../../src/checks/load/engine.js';
import { loadBody } from '../../../src/checks/load/bodies.js';
import { parseUpload } from '../../../src/runtime/ingest/parse-upload.js';

describe('latency histogram', () => {
  it('reports quantiles never below the exact value and at most 1/64 above', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 120_000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.95, 0.99, 1), (values, q) => {
      const h = new LatencyHistogram();
      for (const v of values) h.recordMs(v);
      const sorted = values.map((v) => Math.round(v * 1000) / 1000).sort((a, b) => a - b);
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const reported = h.quantileMs(q)!;
      return reported >= exact - 1e-9 && reported <= exact * (1 + HISTOGRAM_RELATIVE_ERROR) + 0.001;
    }));
  });
  it('is empty-safe', () => {
    expect(new LatencyHistogram().quantileMs(0.5)).toBeNull();
  });
});

describe('mix', () => {
  it('parses kinds and weights and keeps them exactly in every round', () => {
    const pick = mixPicker(parseMix('health:8,device:1,event:1', undefined));
    const round: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      const k = pick().path;
      round[k] = (round[k] ?? 0) + 1;
    }
    expect(round).toEqual({ '/upload_health_data_v2': 8, '/upload_device_info_v2': 1, '/upload_common_event_v2': 1 });
  });
  it('refuses bad input with a usage error', () => {
    expect(() => parseMix('health:x', undefined)).toThrow(expect.objectContaining({ exitCode: 64 }));
    expect(() => parseMix('health:1', '/upload_health_data')).toThrow(/not both/);
    expect(() => parseMix(undefined, '/metrics')).toThrow(/cannot tell/);
    expect(parseMix(undefined, '/upload_health_data')).toEqual([{ kind: 'health', path: '/upload_health_data', weight: 1 }]);
  });
  it('never gives one device two readings with the same time', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => {
      const { data } = JSON.parse(loadBody('health', 'L_', 7, i, 1_700_000_000_000)) as { data: { deviceSn: string; timestamp: number } };
      return `${data.deviceSn}\u0000${data.timestamp}`;
    });
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('sends health in the original\'s {"data": {...}} body, device info and events flat', () => {
    expect(parseUpload('health_data', loadBody('health', 'L_', 7, 3, 0))).toMatchObject({ ok: true, upload: { deviceSn: 'L_000003', records: 1 } });
    expect(JSON.parse(loadBody('health', 'L_', 7, 3, 0))).toEqual({ data: expect.objectContaining({ deviceSn: 'L_000003', heart_rate: 63 }) });
    expect(parseUpload('device_info', loadBody('device', 'L_', 7, 3, 0))).toMatchObject({ ok: true, upload: { deviceSn: 'L_000003' } });
    expect(parseUpload('common_event', loadBody('event', 'L_', 7, 3, 0))).toMatchObject({ ok: true, upload: { deviceSn: 'L_000003' } });
  });
});

describe('open-loop engine on a fake clock', () => {
  it('releases requests on schedule while earlier ones are unanswered, and measures from the due time', async () => {
    let now = 0;
    const clock: LoadClock = { now: () => now, sleep: async (ms) => { now += Math.max(ms, 1); } };
    const releasedAt: number[] = [];
    const pendingAnswers: Array<() => void> = [];
    const client = {
      send: () => {
        releasedAt.push(now);
        return new Promise<{ status: number }>((resolve) => pendingAnswers.push(() => resolve({ status: 200 })));
      },
    };
    const run = runLoadWith(client, { target: 't', rate: 100, durationMs: 1000, devices: 10, mix: parseMix(undefined, undefined) }, undefined, clock);
    // Let the scheduler run to the end without answering anything: a closed loop would stop at 1.
    for (let i = 0; i < 2000 && releasedAt.length < 100; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(releasedAt).toHaveLength(100);
    expect(releasedAt[50]).toBeGreaterThanOrEqual(500);
    now = 2000;
    for (const answer of pendingAnswers) answer();
    const report = await run;
    expect(report.sent).toBe(100);
    // Request 0 was due at 0 and answered at 2000; request 99 was due at 990.
    expect(report.latency_ms.ok.max).toBeCloseTo(2000, -1);
    expect(report.latency_ms.ok.p50).toBeGreaterThan(1400);
  });
});
