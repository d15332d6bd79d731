import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamctlError } from '../../../src/shared/errors.js';
import { startService } from '../../../src/runtime/service.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { runCli } from '../../helpers/cli.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startTestService, type TestService } from '../../helpers/service.js';

const TOKEN = 'correct-horse-battery-staple';
let redis: TestRedis;
let service: TestService;

beforeAll(async () => {
  redis = await startTestRedis();
  service = await startTestService({ redisUrl: redis.url, adminToken: TOKEN, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
});
afterAll(async () => {
  await service?.cleanup();
  await redis?.cleanup();
});

describe('the admin token', () => {
  it('guards every state-changing admin endpoint, and only those', async () => {
    const guarded: Array<[string, string, unknown]> = [
      ['POST', '/api/stream_traffic_ratio', { ratio: 0.9 }],
      ['POST', '/api/emergency_rollback', {}],
      ['POST', '/api/lease', { name: 'cutover', holder: 'x', ttl_ms: 5_000 }],
      ['DELETE', '/api/lease?name=cutover&holder=x', undefined],
      ['POST', '/api/dlq/purge', { stream: 'health_data_stream', all: true, reason: 'x' }],
    ];
    for (const [method, path, body] of guarded) {
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const response = await fetch(service.url + path, {
          method,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(response.status, `${method} ${path} with ${authorization}`).toBe(401);
      }
    }
    expect((await service.get('/api/stream_traffic_ratio')).json.current_ratio).not.toBe(0.9);
    const allowed = await service.post('/api/stream_traffic_ratio', { ratio: 0.2 }, { authorization: `Bearer ${TOKEN}` });
    expect(allowed.status).toBe(200);
    expect((await service.get('/api/stream_metrics')).status).toBe(200);
    expect((await service.post('/upload_health_data_v2', { data: { deviceSn: 'TOKEN_FREE_INGEST', heart_rate: 1 } })).status).toBe(200);
  });

  it('is required to bind a non-loopback address, unless --insecure', async () => {
    await expect(startService({ host: '0.0.0.0', port: 0, redisUrl: redis.url, dataDir: service.dataDir }, { logger: silentLogger })).rejects.toThrow(StreamctlError);
    const cli = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--redis-url', redis.url, '--data-dir', service.dataDir]);
    expect(cli.code).toBe(64);
    expect(cli.stderr).toContain('--admin-token');
    // A data dir of its own: one serve per data dir, and `service` holds its own.
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-insecure-'));
    const insecure = await startService({ host: '0.0.0.0', port: 0, redisUrl: redis.url, dataDir, insecure: true, consumerNamePrefix: 'insecure' }, { logger: silentLogger });
    await insecure.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('slow clients', () => {
  function slowRequest(parts: string[]): Promise<{ closedAfterMs: number; answer: string }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect({ port: service.port, host: '127.0.0.1' });
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.on('close', () => resolve({ closedAfterMs: Date.now() - started, answer }));
      socket.on('error', () => undefined);
      socket.on('connect', () => {
        for (const part of parts) socket.write(part);
      });
    });
  }

  it('cuts off a client that never finishes its headers', async () => {
    const { answer } = await slowRequest(['POST /upload_health_data_v2 HTTP/1.1\r\nHost: x\r\nX-Slow: ']);
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
  });

  it('cuts off a client that never finishes its body, and stores nothing', async () => {
    const before = service.count('user_health_data');
    const { answer } = await slowRequest(['POST /upload_health_data_v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"data":{"deviceSn":']);
    expect(answer).toMatch(/^HTTP\/1.1 408 /);
    expect(service.count('user_health_data')).toBe(before);
  });
});

describe('the token is never logged', () => {
  it('does not appear in the output of serve, even at debug level with failed attempts', async () => {
    const { spawnServe } = await import('../../helpers/cli.js');
    const { freePort } = await import('../../../src/shared/free-port.js');
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-token-'));
    const serve = await spawnServe(['--port', String(await freePort()), '--redis-url', redis.url, '--data-dir', dataDir, '--log-level', 'debug'], { STREAMCTL_ADMIN_TOKEN: TOKEN });
    await fetch(serve.url + '/api/stream_traffic_ratio', { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{"ratio":0.5}' });
    await fetch(serve.url + '/api/stream_traffic_ratio', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"ratio":0.5}' });
    serve.child.kill('SIGTERM');
    await serve.exited;
    rmSync(dataDir, { recursive: true, force: true });
    expect(serve.output()).not.toContain(TOKEN);
    expect(serve.output()).toContain('traffic ratio changed');
  });
});
