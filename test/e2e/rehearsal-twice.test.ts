import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/shared/free-port.js';
import { runCli, spawnServe, type CliResult, type ServeProcess } from '../helpers/cli.js';

/**
 * Issue 11: the rehearsal run twice back to back against one `streamctl serve --enable-chaos`,
 * chaos injected in the first (it rolls back) and cleared before the second. The first run's
 * errors are still in serve's 60 s window when the second starts; each sample judges its own
 * interval (the counters' difference), so the second completes.
 */

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-twice-'));
let serve: ServeProcess;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson<T = any>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as T;
}

async function postJson(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

const rehearse = () => runCli(['run', join(root, 'scenarios/rehearsal.yaml'), '--target', serve.url, '--yes', '--data-dir', join(dir, 'cli')], { timeoutMs: 58_000 });

interface SampleRecord {
  type: 'sample';
  index: number;
  sample: { verdict: string; figures: { streamRequests: number; errorRate: number; intervalSeconds: number; p95Span: string } };
}

function samplesOf(result: CliResult): SampleRecord[] {
  const journal = /journal: (\S+)/.exec(result.stderr)![1]!;
  return readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'sample');
}

beforeAll(async () => {
  const port = await freePort();
  serve = await spawnServe(['--port', String(port), '--data-dir', dir, '--enable-chaos', '--flush-interval', '200ms', '--log-level', 'warn']);
});

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    const timer = setTimeout(() => serve.child.kill('SIGKILL'), 20_000);
    await serve.exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('the rehearsal twice back to back against one serve', () => {
  it('rolls back the first on chaos; with chaos cleared the second completes, its samples judging their own intervals', async () => {
    // Half the stream-path uploads fail once the first step's ratio is set.
    const watching = new AbortController();
    const chaos = (async () => {
      while (!watching.signal.aborted) {
        const ratio = await getJson<{ current_ratio: number }>(`${serve.url}/api/stream_traffic_ratio`).then((r) => r.current_ratio, () => null);
        if (ratio === 0.3) return postJson(`${serve.url}/api/chaos`, { stream_error_rate: 0.5 });
        await sleep(50);
      }
      return null;
    })();
    let first: CliResult;
    try {
      first = await rehearse();
    } finally {
      watching.abort();
      expect(await postJson(`${serve.url}/api/chaos`, { stream_error_rate: 0 })).toBe(200);
    }
    expect(await chaos).toBe(200);
    expect(first.code, first.stdout + first.stderr).toBe(1);
    expect(first.stdout).toMatch(/error_rate \d+(\.\d+)?% > 1%/);
    expect(first.stdout).toContain('ROLLED BACK');

    // The first run's errors are still in serve's 60 s window: judging that window would breach again.
    const window = await getJson<{ summary: { stream: { error_rate: number } } }>(`${serve.url}/api/stream_metrics`);
    expect(window.summary.stream.error_rate).toBeGreaterThan(1);

    const second = await rehearse();
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toMatch(/run ended.*: completed \(exit 0\)/);
    const samples = samplesOf(second);
    expect(samples).toHaveLength(8);
    for (const { sample } of samples) {
      expect(sample.verdict).toBe('ok');
      expect(sample.figures).toMatchObject({ errorRate: 0, p95Span: 'interval' });
      // ~5 s of 200 uploads/s, 30 % then 100 % of them on the stream path.
      expect(sample.figures.intervalSeconds).toBeGreaterThan(3);
      expect(sample.figures.intervalSeconds).toBeLessThan(8);
    }
    // At 0.3, about 300 of ~1000 uploads per interval; at 1.0, all: the first sample is the new ratio's traffic only.
    expect(samples.filter((s) => s.index === 1)[0]!.sample.figures.streamRequests).toBeGreaterThan(600);
  }, 150_000);
});
