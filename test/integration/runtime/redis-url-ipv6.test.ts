import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/shared/free-port.js';
import { runCli, spawnServe } from '../../helpers/cli.js';
import { eventually } from '../../helpers/service.js';

/** Characters a URL must percent-encode in userinfo: the password reaches every connection decoded. */
const PASSWORD = 'p@ss:w/rd#1';
const dir = mkdtempSync(join(tmpdir(), 'streamctl-ipv6-'));
let server: ChildProcess | undefined;
let port: number;
let probe: Redis | undefined;

function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === '::1'));
}

beforeAll(async () => {
  // Not skipped without it: a machine without ::1 fails here, saying so.
  expect(hasIpv6Loopback(), 'this test needs the IPv6 loopback ::1 (`ip -6 addr show lo`)').toBe(true);
  port = await freePort();
  server = spawn('redis-server', ['--bind', '::1', '--port', String(port), '--save', '', '--appendonly', 'no', '--requirepass', PASSWORD, '--dir', dir], { cwd: dir, stdio: 'ignore' });
  probe = new Redis({ host: '::1', port, password: PASSWORD, lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  await eventually(async () => (await probe!.ping()) === 'PONG', { timeoutMs: 15_000 });
});

afterAll(() => {
  probe?.disconnect();
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('--redis-url with an IPv6 host, a password with special characters and a database number', () => {
  it('serve listens, accepts an upload and persists it; every connection uses ::1 and db 2', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-ipv6-serve-'));
    const url = `redis://:${encodeURIComponent(PASSWORD)}@[::1]:${port}/2`;
    // Before: ioredis connected, the ingest connection dialled the host "[::1]" for ever, and serve never listened.
    const serve = await spawnServe(['--port', '0', '--data-dir', dataDir, '--redis-url', url, '--log-level', 'info']);
    try {
      const answer = await fetch(`${serve.url}/upload_health_data_v2`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: { deviceSn: 'V6_1', heart_rate: 72, timestamp: 1764000000 } }),
      });
      expect(answer.status, await answer.text()).toBe(200);
      const db = new Database(join(dataDir, 'streamctl.db'), { readonly: true, fileMustExist: true });
      try {
        // Persisted by the consumers on their thread: their blocking connections found the entry in db 2.
        await eventually(() => (db.prepare("SELECT COUNT(*) AS n FROM user_health_data WHERE device_sn = 'V6_1'").get() as { n: number }).n === 1, { timeoutMs: 30_000 });
      } finally {
        db.close();
      }
      await probe!.select(2);
      expect(await probe!.xlen('health_data_stream')).toBeGreaterThanOrEqual(1);
      await probe!.select(0);
      expect(await probe!.exists('health_data_stream')).toBe(0);
      // The logs name the URL, never the password.
      expect(serve.output()).toContain(`redis://:***@[::1]:${port}/2`);
      expect(serve.output()).not.toContain('p%40ss');

      // The check's connection reads the same URL the same way.
      const check = await runCli(['check', 'consistency', '--redis-url', url, '--database', join(dataDir, 'streamctl.db'), '--json'], { timeoutMs: 30_000 });
      expect(check.stderr).not.toMatch(/cannot reach Redis/);
      expect(JSON.parse(check.stdout.trim().split('\n').pop()!).verdict).not.toBe('could_not_check');
    } finally {
      serve.child.kill('SIGTERM');
      await Promise.race([serve.exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a wrong password is exit 2 within seconds, naming the URL with the password as ***', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-ipv6-wrong-'));
    try {
      const started = Date.now();
      const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir, '--redis-url', `redis://:not-the-secret@[::1]:${port}/2`], { timeoutMs: 45_000 });
      const elapsed = Date.now() - started;
      expect(result.code, result.stderr).toBe(2);
      // Refused credentials are not waited for (the 30 s start-up wait is for a Redis that is not up yet).
      expect(elapsed).toBeLessThan(20_000);
      expect(result.stderr).toContain(`redis://:***@[::1]:${port}/2`);
      expect(result.stderr).toMatch(/WRONGPASS|invalid password|NOAUTH/);
      expect(result.stdout + result.stderr).not.toContain('not-the-secret');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a URL that is not one is exit 64 before anything starts, without its password', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-ipv6-bad-'));
    try {
      const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir, '--redis-url', `redis://:hunter22@[::1]:${port}/two`], { timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(64);
      expect(result.stderr).toMatch(/invalid Redis URL .*not a database number/);
      expect(result.stderr).not.toContain('hunter22');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
