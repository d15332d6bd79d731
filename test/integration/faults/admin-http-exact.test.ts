import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';

/**
 * Issue 18, kind 4: the admin API's HTTP is exact. A real `streamctl serve` with short timeouts:
 * headers within 1 s, a whole request within 2 s, keep-alive idle 1.5 s (the defaults are 10 s,
 * 30 s and 65 s; the behaviour is the same, only the waits are shorter).
 */
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ ratio: 0.42, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_500 });
});
afterAll(async () => {
  await service?.cleanup();
});

/** A raw connection that can keep writing after the server's FIN, as curl sending its body does. */
interface Raw {
  socket: Socket;
  answer(): string;
  /** The server closed its side (FIN or reset). */
  closed(): boolean;
}

function rawConnection(): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let closed = false;
    const socket = connect({ port: service.port, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('data', (d) => (answer += d));
    socket.on('end', () => (closed = true));
    socket.on('close', () => (closed = true));
    // EPIPE/ECONNRESET on the late write once the server has closed: expected, not a failure.
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, answer: () => answer, closed: () => closed }));
    socket.once('error', reject);
  });
}

function postHead(path: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
}

/** Sends all but the last byte, waits for the server's own answer, then sends the last byte. */
async function lastByteAfterTheAnswer(path: string, body: string): Promise<string> {
  const raw = await rawConnection();
  raw.socket.write(postHead(path, body) + body.slice(0, -1));
  await eventually(() => raw.answer().length > 0 || raw.closed(), { timeoutMs: 15_000 });
  if (!raw.socket.destroyed) raw.socket.write(body.slice(-1));
  // Time for the byte to reach the server; what it does with it is checked by the caller.
  await new Promise((r) => setTimeout(r, 300));
  raw.socket.destroy();
  return raw.answer();
}

/** Holds `check` true for `ms` (a negative: the effect, if any, lands within milliseconds). */
async function staysTrue(check: () => Promise<boolean>, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await check()).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ratio = async () => (await service.get('/api/stream_traffic_ratio')).json.current_ratio as number;

describe('a request answered with an error has had no effect', () => {
  it('a ratio POST whose last byte arrives after its 408 leaves the ratio and the audit alone', async () => {
    expect(await ratio()).toBe(0.42);
    const answer = await lastByteAfterTheAnswer('/api/stream_traffic_ratio', JSON.stringify({ ratio: 0.77, reason: 'late body' }));
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    await staysTrue(async () => (await ratio()) === 0.42);
    const audit = JSON.stringify((await service.get('/api/audit?limit=50')).json);
    expect(audit).not.toContain('late body');
  });

  it('the same POST, slow but within the request timeout, is made and answered 200', async () => {
    const raw = await rawConnection();
    const body = JSON.stringify({ ratio: 0.77, reason: 'slow body' });
    raw.socket.write(postHead('/api/stream_traffic_ratio', body) + body.slice(0, -1));
    await new Promise((r) => setTimeout(r, 300));
    raw.socket.write(body.slice(-1));
    await eventually(() => raw.answer().includes('"success":true'), { timeoutMs: 15_000 });
    raw.socket.destroy();
    expect(raw.answer()).toMatch(/^HTTP\/1.1 200 /);
    expect(await ratio()).toBe(0.77);
    expect(JSON.stringify((await service.get('/api/audit?limit=50')).json)).toContain('slow body');
    await service.post('/api/stream_traffic_ratio', { ratio: 0.42 });
  });

  it('a health upload answered 408 is not stored', async () => {
    const answer = await lastByteAfterTheAnswer('/upload_health_data_v2', '{"data":{"deviceSn":"W1","heart_rate":72,"timestamp":1764000000}}');
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    // A barrier: an upload sent after it is persisted, so the late one would be by now too.
    expect((await service.post('/upload_health_data_v2', { data: { deviceSn: 'W2', heart_rate: 72, timestamp: 1764000000 } })).status).toBe(200);
    await eventually(() => service.count('user_health_data', "device_sn = 'W2'") === 1, { timeoutMs: 20_000 });
    expect(service.count('user_health_data', "device_sn = 'W1'")).toBe(0);
  });
});

describe('idle connections are closed', () => {
  it('closes connections that never send a request within the header timeout, and serves the rest', async () => {
    const idle = await Promise.all(Array.from({ length: 5 }, () => rawConnection()));
    await eventually(() => idle.every((c) => c.closed()), { timeoutMs: 15_000 });
    expect(idle.map((c) => c.answer())).toEqual(['', '', '', '', '']);
    expect((await service.get('/api/stream_health')).status).toBe(200);
  });

  it('closes a keep-alive connection left idle after its answer', async () => {
    const raw = await rawConnection();
    raw.socket.write('GET /api/stream_traffic_ratio HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => raw.answer().includes('current_ratio'), { timeoutMs: 15_000 });
    await eventually(() => raw.closed(), { timeoutMs: 15_000 });
    expect(raw.answer()).toMatch(/^HTTP\/1.1 200 /);
  });

  it('keeps a connection that sends its request slowly but within the header timeout', async () => {
    const raw = await rawConnection();
    await new Promise((r) => setTimeout(r, 400));
    raw.socket.write('GET /api/stream_traffic_ratio HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await eventually(() => raw.closed(), { timeoutMs: 15_000 });
    expect(raw.answer()).toMatch(/^HTTP\/1.1 200 /);
  });
});

describe('HEAD is answered wherever GET is (RFC 9110 §9.3.2)', () => {
  for (const path of ['/api/stream_health', '/metrics', '/api/stream_traffic_ratio', '/api/stream_stats']) {
    it(`HEAD ${path}: the GET status and headers, no body`, async () => {
      const get = await fetch(service.url + path);
      const getText = await get.text();
      const head = await fetch(service.url + path, { method: 'HEAD' });
      expect(head.status).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
      expect(await head.text()).toBe('');
      expect(getText.length).toBeGreaterThan(0);
    });
  }

  it('a 405 lists HEAD in Allow next to GET, and HEAD on a POST-only path stays 405', async () => {
    const put = await fetch(service.url + '/api/stream_traffic_ratio', { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    const head = await fetch(service.url + '/api/emergency_rollback', { method: 'HEAD' });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('POST');
  });
});

describe('/metrics follows the Prometheus naming conventions', () => {
  it('passes `promtool check metrics`', async () => {
    if (!existsSync('/usr/bin/promtool')) throw new Error('promtool not found at /usr/bin/promtool: run `bash scripts/bootstrap.sh test` (Debian package prometheus)');
    expect((await service.post('/upload_health_data_v2', { data: { deviceSn: 'PROM_1', heart_rate: 70, timestamp: 1764000000 } })).status).toBe(200);
    expect((await service.post('/upload_health_data', { data: { deviceSn: 'PROM_2', heart_rate: 70, timestamp: 1764000000 } })).status).toBe(200);
    const metrics = await service.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^streamctl_response_time_seconds_count\{path="stream"\} [1-9]/m);
    const checked = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: metrics.text, encoding: 'utf8', timeout: 30_000 });
    expect(`${checked.stdout}${checked.stderr}`.trim()).toBe('');
    expect(checked.status).toBe(0);
  });
});
