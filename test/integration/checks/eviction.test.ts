import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { createChecksFixture, healthReading, type ChecksFixture } from '../../helpers/checks-fixture.js';
import { runCli, spawnServe } from '../../helpers/cli.js';
import { runConsistencyCheck } from '../../../src/checks/consistency/run.js';
import { connectRedisConsistency } from '../../../src/checks/adapters/redis-consistency.js';
import { openSqliteConsistency } from '../../../src/checks/adapters/sqlite-consistency.js';
import { readEvictionFacts } from '../../../src/shared/eviction-policy.js';
import { startEmbeddedRedis } from '../../../src/runtime/embedded-redis.js';
import { freePort } from '../../../src/shared/free-port.js';

const MINUTE = 60_000;
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const AT = new Date(BASE + 20 * MINUTE).toISOString();

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Another client filling memory until Redis has evicted every key of the fixture's database. */
async function fillUntilEvicted(url: string, fixture: Redis): Promise<void> {
  const filler = new Redis(`${url}/2`);
  try {
    const used = Number(/used_memory:(\d+)/.exec(await filler.info('memory'))![1]);
    await filler.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await filler.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    const value = 'x'.repeat(64 * 1024);
    let i = 0;
    await until('the streams, the ledger and the ratio to be evicted', async () => {
      for (let n = 0; n < 20; n++) await filler.set(`filler:${i++}`, value);
      return (await fixture.dbsize()) === 0;
    });
  } finally {
    filler.disconnect();
  }
}

/** A redis-server with CONFIG disabled, as managed services and hardened configs do. */
async function startRedisWithoutConfig(policy: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamctl-noconfig-'));
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', policy, '--rename-command', 'CONFIG', ''], { stdio: 'ignore', cwd: dir });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => {}); // refused until the server listens: expected, and retried below
  await until('redis-server to answer', async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      probe.disconnect();
      return false;
    }
  }, 15_000);
  probe.disconnect();
  return {
    url,
    async stop() {
      child.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('a Redis that may evict', () => {
  let server: TestRedis;
  let fx: ChecksFixture;

  beforeAll(async () => {
    server = await startTestRedis();
    fx = await createChecksFixture(server.url, 1);
    // 40 accepted uploads waiting in the stream (no consumer ran), and the shared ratio.
    for (let i = 0; i < 40; i++) await fx.acceptStream('health_data', healthReading(`SN-${i}`, BASE - 1000 + i), BASE + i * 1000);
    await fx.redis.set('streamctl:ratio', '0.5');
    await fillUntilEvicted(server.url, fx.redis);
  });
  afterAll(async () => {
    await fx?.close();
    await server?.cleanup();
  });

  it('check consistency refuses it with exit 64 and the fix in one line (was: CONSISTENT, exit 0, with 40 uploads gone)', async () => {
    const result = await runCli(['check', 'consistency', '--database', fx.dbPath, '--redis-url', fx.redisUrl, '--at', AT, '--json'], { timeoutMs: 30_000 });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/maxmemory-policy allkeys-lru/);
    expect(result.stderr).toContain(`redis-cli -u ${server.url}/1 CONFIG SET maxmemory-policy noeviction`);
  });

  it('with --allow-eviction it runs, warns, and its verdict is inconclusive, never consistent', async () => {
    const result = await runCli(['check', 'consistency', '--database', fx.dbPath, '--redis-url', fx.redisUrl, '--at', AT, '--json', '--allow-eviction'], { timeoutMs: 30_000 });
    expect(result.stderr).toMatch(/WARNING: .*allkeys-lru/);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ verdict: 'inconclusive', exit_code: 3 });
    expect(result.code).toBe(3);
    const eviction = doc.checks.find((c: { id: string }) => c.id === 'redis_eviction');
    expect(eviction).toMatchObject({ status: 'inconclusive', observed: { maxmemory_policy: 'allkeys-lru', allow_eviction: true } });
    expect(eviction.observed.evicted_keys).toBeGreaterThan(0);
  });

  it('the check as a library (and GET /api/consistency) says inconclusive too', async () => {
    const redis = await connectRedisConsistency(fx.redisUrl);
    const database = openSqliteConsistency(fx.dbPath);
    try {
      const doc = await runConsistencyCheck({ redis, database }, { atMs: Date.parse(AT) });
      expect(doc.verdict).toBe('inconclusive');
      expect(doc.checks.find((c) => c.id === 'redis_eviction')!.message).toMatch(/evicted \d+ keys/);
    } finally {
      await redis.close();
      await database.close();
    }
  });

  it('serve refuses it with exit 64 and the fix; with --allow-eviction it starts and says the risk at CRITICAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-evict-serve-'));
    try {
      const refused = await runCli(['serve', '--port', '0', '--data-dir', dir, '--redis-url', `${server.url}/3`], { timeoutMs: 45_000 });
      expect(refused.code).toBe(64);
      expect(refused.stderr).toMatch(/maxmemory-policy allkeys-lru/);
      expect(refused.stderr).toContain('CONFIG SET maxmemory-policy noeviction');
      expect(refused.stdout).not.toMatch(/listening/);

      // Room again, so serve can write its groups; the policy stays allkeys-lru.
      const admin = new Redis(server.url);
      await admin.config('SET', 'maxmemory', '0');
      await admin.flushall();
      admin.disconnect();
      const serve = await spawnServe(['--port', '0', '--data-dir', dir, '--redis-url', `${server.url}/3`, '--allow-eviction']);
      try {
        await until('the CRITICAL line on stderr', async () => /CRITICAL/.test(serve.output()), 15_000);
        expect(serve.output()).toMatch(/CRITICAL .*allkeys-lru.*--allow-eviction/);
        // One answer before the SIGTERM below: serve prints "listening" a moment before it handles signals.
        await (await fetch(`${serve.url}/api/stream_health`, { signal: AbortSignal.timeout(10_000) })).arrayBuffer();
      } finally {
        serve.child.kill('SIGTERM');
        const code = await Promise.race([serve.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))]);
        if (code === 'still running') serve.child.kill('SIGKILL');
        expect(code).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reading the policy', () => {
  it('falls back to INFO when CONFIG is disabled, and a refusal still names the policy', async () => {
    const redis = await startRedisWithoutConfig('allkeys-lru');
    const client = new Redis(redis.url);
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-noconfig-serve-'));
    try {
      const facts = await readEvictionFacts((command, ...args) => client.call(command, ...args));
      expect(facts).toMatchObject({ policy: 'allkeys-lru', source: 'info', evictedKeys: 0 });
      const refused = await runCli(['serve', '--port', '0', '--data-dir', dir, '--redis-url', redis.url], { timeoutMs: 45_000 });
      expect(refused.code).toBe(64);
      expect(refused.stderr).toMatch(/maxmemory-policy allkeys-lru/);
    } finally {
      client.disconnect();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the embedded redis-server is started with noeviction explicitly, whatever its built-in default', async () => {
    // A redis-server whose own default is allkeys-lru (a distribution build, a packaged wrapper):
    // only an explicit --maxmemory-policy from streamctl, read after these, makes it noeviction.
    const dir = mkdtempSync(join(tmpdir(), 'streamctl-evicting-build-'));
    const binary = join(dir, 'redis-server-lru');
    writeFileSync(binary, '#!/bin/sh\nexec redis-server --maxmemory-policy allkeys-lru "$@"\n', { mode: 0o755 });
    const redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), appendonly: false, binary });
    try {
      const client = new Redis(redis.url);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      client.disconnect();
    } finally {
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
