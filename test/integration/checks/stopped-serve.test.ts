import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnServe } from '../../helpers/cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-stopped-serve-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('check consistency next to a stopped serve', () => {
  it('prints a could_not_check document and exits 2 (was: nothing on stdout, exit 64 "no Redis to check against")', async () => {
    const serve = await spawnServe(['--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
    // One answer first: serve prints "listening" a moment before it handles signals, and a SIGTERM
    // inside that moment kills it without its drain (reported; not this test's subject).
    const health = await fetch(`${serve.url}/api/stream_health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    serve.child.kill('SIGTERM');
    const code = await Promise.race([serve.exited, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))]);
    if (code === 'still running') serve.child.kill('SIGKILL');
    expect(code, serve.output()).toBe(0);
    // What the check finds: serve's database, the directory of its embedded Redis, no Redis running.
    expect(existsSync(join(dataDir, 'streamctl.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'redis'))).toBe(true);
    expect(existsSync(join(dataDir, 'redis', 'streamctl-redis.json'))).toBe(false);

    const json = await runCli(['check', 'consistency', '--data-dir', dataDir, '--json'], { timeoutMs: 30_000 });
    expect(json.code, json.stderr).toBe(2);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!);
    expect(doc).toMatchObject({ schema: 'streamctl.consistency/v1', verdict: 'could_not_check', exit_code: 2 });
    expect(doc.error.message).toMatch(/embedded Redis of .* is not running/);
    expect(json.stderr).toMatch(/streamctl serve --data-dir/);

    const human = await runCli(['check', 'consistency', '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(human.code).toBe(2);
  });

  it('with no data dir and no flags it is still a usage error (exit 64): no state of the world fixes a missing flag', async () => {
    const empty = join(dataDir, 'nothing-here');
    const result = await runCli(['check', 'consistency', '--data-dir', empty, '--json'], { timeoutMs: 30_000 });
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
  });
});
