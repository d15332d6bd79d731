import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { runCli, spawnServe, type CliResult, type ServeProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/service.js';

/**
 * `streamctl cutover --json | jq` or `| tee`, and the reader exits: the cutover's next line gets
 * EPIPE. That used to exit at once with 0, leaving the ratio at the step's value and the lease
 * held. It must end as Ctrl-C does.
 */

const dir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-pipe-'));
let serve: ServeProcess;

async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.json();
}

beforeAll(async () => {
  serve = await spawnServe(['--port', String(await freePort()), '--data-dir', join(dir, 'serve'), '--log-level', 'warn']);
});

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a cutover whose stdout reader went away', () => {
  it('restores the starting ratio, releases the lease, journals the abort and exits 130', async () => {
    const set = await fetch(`${serve.url}/api/stream_traffic_ratio`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ratio":0.1}', signal: AbortSignal.timeout(5_000) });
    expect(set.status).toBe(200);
    const dataDir = join(dir, 'cli');
    let child: ChildProcess | undefined;
    const run: Promise<CliResult> = runCli(
      ['cutover', '--target', serve.url, '--steps', '0.5,1.0', '--observe', '10m', '--interval', '1s', '--min-requests', '1', '--skip-consistency', '--yes', '--json', '--data-dir', dataDir],
      { timeoutMs: 60_000, onSpawn: (c) => (child = c) },
    );
    await eventually(async () => (await getJson(`${serve.url}/api/stream_traffic_ratio`)).current_ratio === 0.5, { timeoutMs: 30_000 });
    // The reader exits: a JSON event line follows within a sample interval and meets a closed pipe.
    child!.stdout!.destroy();
    const result = await run;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('stdout was closed');
    expect((await getJson(`${serve.url}/api/stream_traffic_ratio`)).current_ratio).toBe(0.1);
    expect(await getJson(`${serve.url}/api/lease?name=cutover`)).toMatchObject({ held: false });
    const journals = readdirSync(join(dataDir, 'runs')).filter((name) => name.endsWith('.jsonl'));
    const records = readFileSync(join(dataDir, 'runs', journals[0]!), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; outcome?: string; reason?: string });
    expect(records.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'aborted', reason: expect.stringContaining('SIGPIPE') });
  });
});
