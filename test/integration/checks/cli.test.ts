import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { createChecksFixture, healthReading, type ChecksFixture } from '../../helpers/checks-fixture.js';
import { startFakeService } from '../../helpers/checks-fake-service.js';

const run = promisify(execFile);
const BIN = new URL('../../../bin/streamctl.js', import.meta.url).pathname;
const MINUTE = 60_000;
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;

async function streamctl(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, NO_COLOR: '1', ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let server: TestRedis;
let fx: ChecksFixture;

beforeAll(async () => {
  server = await startTestRedis();
  fx = await createChecksFixture(server.url, 1);
  await fx.acceptStream('health_data', healthReading('SN-1', BASE - 1000), BASE + 1000);
  await fx.acceptTraditional('health_data', healthReading('SN-2', BASE - 1000), BASE + 2000);
  await fx.consume('health_data');
});

afterAll(async () => {
  await fx?.close();
  await server?.cleanup();
});

describe('the streamctl binary', () => {
  const at = new Date(BASE + 20 * MINUTE).toISOString();

  it('check consistency --json prints exactly one document and exits 0 on clean data', async () => {
    const result = await streamctl(['check', 'consistency', '--database', fx.dbPath, '--at', at, '--json'], { REDIS_URL: fx.redisUrl });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ schema: 'streamctl.consistency/v1', verdict: 'consistent', exit_code: 0, paths: { stream_v2: { health_data: { accepted: 1, persisted: 1 } } } });
  });

  it('exits 1 and names the record after a row is deleted; exits 2 for an unreachable database', async () => {
    fx.sql().prepare("DELETE FROM user_health_data WHERE device_sn = 'SN-1'").run();
    const lost = await streamctl(['check', 'consistency', '--database', fx.dbPath, '--redis-url', fx.redisUrl, '--at', at]);
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/FAIL +stream_entries_persisted \(health_data\): 1 record delivered and acked but never persisted/);
    expect(lost.stdout).toMatch(/INCONSISTENT \(exit 1\)/);
    const gone = await streamctl(['check', 'consistency', '--database', '/nonexistent/streamctl.db', '--redis-url', fx.redisUrl, '--json']);
    expect(gone.code).toBe(2);
    expect(JSON.parse(gone.stdout)).toMatchObject({ verdict: 'could_not_check', exit_code: 2 });
    expect(gone.stderr).toMatch(/does not exist/);
  });

  it('validate refuses to write without --allow-writes (exit 64) and sends nothing', async () => {
    const service = await startFakeService(undefined);
    try {
      const result = await streamctl(['validate', '--target', service.url, '--database', fx.dbPath, '--duration', '1s']);
      expect(result.code).toBe(64);
      expect(result.stderr).toMatch(/--allow-writes/);
      expect(service.requests).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('load --json prints one report and every --help shows a worked example', async () => {
    const service = await startFakeService(undefined);
    try {
      const result = await streamctl(['load', '--target', service.url, '--rate', '100', '--duration', '1s', '--connections', '4', '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ schema: 'streamctl.load/v2', sent: 100, ok: 100 });
    } finally {
      await service.close();
    }
    for (const command of [['check', 'consistency'], ['validate'], ['load']]) {
      const help = await streamctl([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\$ streamctl /);
    }
  });
});
