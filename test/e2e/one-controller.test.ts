import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normaliseTarget } from '../../src/adapters/http-json.js';
import { planFromFlags } from '../../src/control/plan-from-flags.js';
import type { RunRecord } from '../../src/control/records.js';
import { runCli } from '../helpers/cli.js';
import { FakeService } from '../helpers/fake-service.js';

/**
 * Issue 18 kind 2 with the built binary and the real clocks, against the in-process fake
 * admin API (which holds the lease on this test process's clock).
 */

let service: FakeService;
let dir: string;
beforeEach(async () => {
  service = await new FakeService().start();
  dir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-one-controller-'));
});
afterEach(async () => {
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
});

const journalOf = (runId: string): RunRecord[] =>
  readFileSync(join(dir, 'runs', `${runId}.jsonl`), 'utf8').split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as RunRecord];
    } catch {
      return [];
    }
  });

describe('cutover --resume after a crash between the rollback and its end record', () => {
  it('finishes the rollback (ratio verified 0) instead of re-applying the breached step, and says a torn line was skipped', async () => {
    const plan = planFromFlags({ steps: [0.3, 0.6], observeMs: 2_000, intervalMs: 1_000, thresholds: {}, limits: {}, skipPrecheck: false, skipConsistency: true });
    const at = new Date().toISOString();
    const figures = { ratio: 0.6, streamRequests: 200, traditionalRequests: 200, errorRate: 5, p95Ms: 20, traditionalP95Ms: 20, windowSeconds: 60 };
    const failed = { check: 'error_rate', phase: 'failed', value: 5, threshold: 1, message: 'error_rate 5% > 1%' };
    const records: RunRecord[] = [
      { type: 'run_started', at, runId: 'crashed', plan, target: normaliseTarget(service.url), holder: 'crashed@h', version: 1 },
      { type: 'precheck', at, healthy: true, status: 'healthy', skipped: false },
      { type: 'start_ratio', at, ratio: 0 },
      { type: 'ratio_set', at, index: 0, requested: 0.3, old: 0, readBack: 0.3 },
      { type: 'step_started', at, index: 0, ratio: 0.3, samples: 2 },
      { type: 'step_passed', at, index: 0, ratio: 0.3 },
      { type: 'ratio_set', at, index: 1, requested: 0.6, old: 0.3, readBack: 0.6 },
      { type: 'step_started', at, index: 1, ratio: 0.6, samples: 2 },
      { type: 'sample', at, index: 1, n: 1, sample: { verdict: 'failed', measurements: [failed], notes: [], figures } } as unknown as RunRecord,
      { type: 'decision', at, index: 1, action: 'breach', reason: 'error_rate 5% > 1%', check: 'error_rate', value: 5, threshold: 1 },
      { type: 'rollback', at, index: 1, reason: 'breach', verified: true, ratioAfter: 0, reply: null },
    ];
    mkdirSync(join(dir, 'runs'), { recursive: true });
    // The end record was being written when the process died: a fragment, no newline.
    writeFileSync(join(dir, 'runs', 'crashed.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n{"type":"run_ended","at":"20');
    service.ratio = 0;

    const result = await runCli(['cutover', '--resume', 'crashed', '--target', service.url, '--data-dir', dir, '--yes'], { timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('finished by --resume');
    expect(result.stdout + result.stderr).toContain('journal line 12 could not be read and was skipped');
    expect(service.calls('POST', '/api/stream_traffic_ratio')).toHaveLength(0);
    expect(service.ratio).toBe(0);
    expect(journalOf('crashed').at(-1)).toMatchObject({ type: 'run_ended', outcome: 'rolled_back' });
  });
});

describe('the wall clock steps back 120 s during a run', () => {
  it('the run keeps its schedule (a preload shifts Date.now back after 1.5 s)', async () => {
    const preload = join(dir, 'step-back.mjs');
    writeFileSync(preload, 'const real = Date.now; const t0 = real(); Date.now = () => (real() - t0 > 1500 ? real() - 120000 : real());\n');
    const started = performance.now();
    const result = await runCli(
      ['cutover', '--steps', '0.3,0.6', '--observe', '2s', '--interval', '1s', '--skip-consistency', '--target', service.url, '--data-dir', dir, '--yes'],
      { env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` }, timeoutMs: 40_000 },
    );
    const tookMs = performance.now() - started;
    expect(result.code, result.stderr).toBe(0);
    expect(service.ratio).toBe(0.6);
    // 4 samples 1 s apart; the old engine waited the 120 s out on the wall clock.
    expect(tookMs).toBeLessThan(20_000);
    expect(service.calls('POST', '/api/emergency_rollback')).toHaveLength(0);
  });
});
