import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { spawnServe, type ServeProcess } from '../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-fuzz-'));
let serve: ServeProcess;

beforeAll(async () => {
  serve = await spawnServe(['--port', String(await freePort()), '--data-dir', dataDir, '--max-body', '65536', '--log-level', 'error']);
});
afterAll(async () => {
  serve.child.kill('SIGTERM');
  await serve.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

const POST_PATHS = [
  '/upload_health_data_v2', '/upload_device_info_v2', '/upload_common_event_v2',
  '/upload_health_data', '/upload_device_info', '/upload_common_event',
  '/api/stream_traffic_ratio', '/api/lease', '/api/dlq/replay', '/api/dlq/purge',
];
const GET_PATHS = ['/api/stream_metrics', '/api/stream_metrics/counters', '/api/stream_stats', '/api/stream_health', '/api/stream_traffic_ratio', '/api/lease', '/api/audit', '/api/dlq', '/api/dlq/entry', '/api/consistency'];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined];

function send(method: string, path: string, body: Buffer | undefined, contentType: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (contentType) headers['content-type'] = contentType;
    if (body) headers['content-length'] = body.length;
    const req = request(serve.url + path, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bodies that hurt parsers: random text and bytes, valid JSON of every shape, cut JSON, nesting, prototype keys, huge fields. */
const flatHostileBody = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat()).map(([v, cut]) => {
    const text = JSON.stringify({ deviceSn: 'FUZZ', v }) ?? '';
    return Buffer.from(text.slice(0, cut % (text.length + 1)));
  }),
  fc.integer({ min: 17, max: 20_000 }).map((depth) => Buffer.from(`{"deviceSn":"FUZZ","sleepData":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'deviceSn', 'heart_rate', 'ratio', 'SerialNumber', 'timestamp'), fc.jsonValue({ maxDepth: 2 }))
    .map((o) => Buffer.from(JSON.stringify(o).replace('"prototype"', '"__proto__"'))),
  fc.record({
    deviceSn: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('S'.repeat(5_000))),
    heart_rate: fc.oneof(fc.double(), fc.string(), fc.constant(null), fc.object()),
    ratio: fc.oneof(fc.double(), fc.string(), fc.boolean()),
  }).map((o) => Buffer.from(JSON.stringify(o))),
  fc.constant(Buffer.from(JSON.stringify({ deviceSn: 'FUZZ', sleepData: 'x'.repeat(70_000) }))),
);

/**
 * Each hostile body flat, and inside the original's health member `{"data": ...}`, so the health
 * endpoints' rules past the shape check are fuzzed too (a flat health body stops at "no data").
 */
const hostileBody = fc.oneof(
  flatHostileBody,
  flatHostileBody.map((body) => Buffer.concat([Buffer.from('{"data":'), body, Buffer.from('}')])),
);

function rssMegabytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

describe('fuzzing every endpoint with hostile input', () => {
  it('answers thousands of bad requests with 4xx JSON (or a real 2xx), never 5xx, and stays up with bounded memory', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_PATHS), hostileBody, fc.constantFrom(...CONTENT_TYPES), async (path, body, contentType) => {
        tried++;
        const response = await send('POST', path, body, contentType);
        expect(response.status, `${path} ${contentType} ${body.subarray(0, 80).toString()}`).toBeLessThan(500);
        expect(() => JSON.parse(response.text)).not.toThrow();
      }),
      { numRuns: 3_000, seed: 20261125 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...GET_PATHS), fc.string({ maxLength: 100 }), async (path, query) => {
        tried++;
        const response = await send('GET', `${path}?${encodeURIComponent(query).replace(/%3D/g, '=').replace(/%26/g, '&')}`, undefined, undefined);
        expect(response.status, `${path}?${query}`).not.toBe(500);
      }),
      { numRuns: 300, seed: 7 },
    );
    expect(tried).toBeGreaterThanOrEqual(3_300);
    expect(serve.child.exitCode).toBeNull();
    const health = await send('GET', '/api/stream_health', undefined, undefined);
    expect(health.status).toBe(200);
    // A JSON.parse of every body and a 64 KiB cap keep the process small; 300 MB would mean a leak.
    expect(rssMegabytes(serve.child.pid!)).toBeLessThan(300);
  });
});
