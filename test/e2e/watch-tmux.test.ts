import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseTarget } from '../../src/adapters/http-json.js';
import { planFromFlags } from '../../src/control/plan-from-flags.js';
import type { RunRecord } from '../../src/control/records.js';
import { BIN, runCli } from '../helpers/cli.js';
import { eventually, startTestService, type TestService } from '../helpers/service.js';

// Issue 11: `watch --every 2s` in an 80x24 terminal scrolled health, ratio and the metrics off
// the top, and the 120-column streams table wrapped into fragments.
const SOCKET = `streamctl-watch-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

let service: TestService;
let dataDir: string;

beforeAll(async () => {
  service = await startTestService({ ratio: 0.3 });
  dataDir = mkdtempSync(join(tmpdir(), 'streamctl-watch-'));
  // A run in progress at its second ratio step, after the consistency gate and the first step.
  const plan = planFromFlags({ steps: [0.1, 0.3, 0.6, 1], observeMs: 60_000, intervalMs: 10_000, thresholds: {}, limits: {}, skipPrecheck: false, skipConsistency: false });
  const at = new Date().toISOString();
  const records: RunRecord[] = [
    { type: 'run_started', at, runId: 'rehearsal-watch', plan: { ...plan, name: 'rehearsal' }, target: normaliseTarget(service.url), holder: `rehearsal-watch@${process.pid}`, version: 1 },
    { type: 'precheck', at, healthy: true, status: 'healthy', skipped: false },
    { type: 'start_ratio', at, ratio: 0 },
    { type: 'gate', at, index: 0, gate: 'consistency', result: 'consistent', summary: 'consistent' },
    { type: 'step_passed', at, index: 0, ratio: null },
    { type: 'ratio_set', at, index: 1, requested: 0.1, old: 0, readBack: 0.1 },
    { type: 'step_started', at, index: 1, ratio: 0.1, samples: 6 },
    { type: 'step_passed', at, index: 1, ratio: 0.1 },
    { type: 'ratio_set', at, index: 2, requested: 0.3, old: 0.1, readBack: 0.3 },
    { type: 'step_started', at, index: 2, ratio: 0.3, samples: 6 },
  ];
  mkdirSync(join(dataDir, 'runs'), { recursive: true });
  writeFileSync(join(dataDir, 'runs', 'rehearsal-watch.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
  for (let i = 0; i < 20; i++) await service.post('/upload_health_data', { data: { deviceSn: `WATCH_${i}`, heart_rate: 72, timestamp: 1764000000 + i } });
});

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // never started
  }
  await service?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('watch in an 80x24 tmux pane', () => {
  it('fits the first screen: target on top, health, ratio, per-path figures, backlog, the run\'s steps and state', async () => {
    const command = `NO_COLOR=1 ${process.execPath} ${BIN} watch --every 2s --target ${service.url} --data-dir ${dataDir}`;
    tmux('new-session', '-d', '-s', 'watch', '-x', '80', '-y', '24', command);
    const screen = await eventually(() => {
      const text = tmux('capture-pane', '-p', '-t', 'watch');
      return text.includes('refreshing every 2s') && text.includes('latest run') ? text : undefined;
    }, { timeoutMs: 20_000, everyMs: 200 });
    // A second refresh redraws in place: the screen must not have scrolled.
    await new Promise((r) => setTimeout(r, 2_500));
    const again = tmux('capture-pane', '-p', '-t', 'watch');
    for (const text of [screen, again]) {
      const lines = text.split('\n');
      expect(lines[0], text).toMatch(/^target {2}http:\/\/127\.0\.0\.1:\d+ {3}at \d\d:\d\d:\d\d UTC$/);
      expect(text).toContain('health  healthy');
      expect(text).toContain('ratio   0.3 (30%) of uploads go to the stream path');
      expect(text).toMatch(/^ {2}path +req\/s +error rate +p95 +p99 +avg +requests +errors$/m);
      expect(text).toMatch(/^ {2}stream +[\d.]+ +[\d.]+% +[\d.-]+(ms)? /m);
      expect(text).toMatch(/^ {2}traditional +[\d.]+ +[\d.]+% /m);
      // Each stream's backlog on one unbroken line (the old 120-column table wrapped).
      for (const stream of ['health_data_stream', 'device_info_stream', 'common_event_stream']) expect(text).toMatch(new RegExp(`^ {2}${stream} +\\d+ +\\d+ +\\d+ +\\S+ +\\d+ +\\d+$`, 'm'));
      expect(text).toContain('latest run  rehearsal-watch ("rehearsal"): ');
      expect(text).toContain('steps  consistency gate passed > 0.1 passed > 0.3 running > 0.6 > 1');
      expect(text).toContain('(refreshing every 2s; Ctrl-C to stop)');
    }
    console.log(`watch --every 2s in tmux 80x24:\n${'='.repeat(80)}\n${again}${'='.repeat(80)}`);
  });

  it('refuses --every below 1 s (exit 64) before reading anything', async () => {
    for (const every of ['0s', '500ms']) {
      const result = await runCli(['watch', '--every', every, '--target', service.url, '--data-dir', dataDir], { timeoutMs: 10_000 });
      expect(result.code).toBe(64);
      expect(result.stderr).toContain(`--every ${every} is shorter than 1s`);
      expect(result.stdout).toBe('');
    }
  });
});
