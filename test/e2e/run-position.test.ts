import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { FakeService } from '../helpers/fake-service.js';

/**
 * Issue 11, the run, with the built binary against the in-process fake admin API: stepping down
 * without a terminal exits 64 unless --allow-decrease; a run interrupted at 0.6 resumes through
 * the last passed ratio; and, in a tmux pane (a real pty), the manual gate says what to press
 * while `status` elsewhere says paused, and the step-down question is asked.
 *
 * STREAMCTL_CAPTURE_DIR=<dir> keeps the captured tmux screens there.
 */

const dir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-position-'));
let service: FakeService;
beforeAll(async () => {
  service = await new FakeService().start();
});
afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  service.ratio = 0;
  service.log.length = 0;
  service.onRequest = undefined;
  service.lease = null;
});

/** Polls until `check` gives something truthy; throws after `timeoutMs`. */
async function eventually<T>(check: () => T, { timeoutMs }: { timeoutMs: number }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ratioPosts = () => service.calls('POST', '/api/stream_traffic_ratio').map((c) => (c.body as { ratio: number }).ratio);
const fast = ['--observe', '2s', '--interval', '1s', '--min-requests', '1'];
const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);

describe('stepping down without a terminal', () => {
  it('at ratio 1, cutover --steps 0.3,0.6,1.0 --json | cat exits 64 and sets nothing; --allow-decrease walks it', async () => {
    service.ratio = 1;
    const dataDir = join(dir, 'down');
    const refused = await runCli(['cutover', '--steps', '0.3,0.6,1.0', ...fast, '--json', '--target', service.url, '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(refused.code, refused.stderr).toBe(64);
    const result = jsonLines(refused.stdout).at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'refused', exit_code: 64 });
    expect(result.reason).toContain('step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3');
    expect(ratioPosts()).toEqual([]);
    expect(service.ratio).toBe(1);

    const allowed = await runCli(['cutover', '--steps', '0.3,0.6,1.0', ...fast, '--allow-decrease', '--json', '--target', service.url, '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
  });

  it('--dry-run --steps 0.6,0.3 exits 64 naming the step; with --allow-decrease 0', async () => {
    const dry = await runCli(['cutover', '--steps', '0.6,0.3', '--dry-run', '--target', service.url, '--data-dir', join(dir, 'dry')]);
    expect(dry.code).toBe(64);
    expect(dry.stderr).toContain('step 2 (ratio 0.3) lowers the ratio from 0.6');
    const allowed = await runCli(['cutover', '--steps', '0.6,0.3', '--dry-run', '--allow-decrease', '--target', service.url, '--data-dir', join(dir, 'dry')]);
    expect(allowed.code).toBe(0);
    expect(service.log).toHaveLength(0);
  });
});

describe('a resumed run re-enters at the last passed ratio', () => {
  it('Ctrl-C at 0.6 restores 0; --resume sets 0.3, then 0.6, then 1 (never 0 -> 0.6)', async () => {
    const dataDir = join(dir, 'resume');
    let child: ChildProcess | undefined;
    service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && s.ratio === 0.6) child?.kill('SIGINT');
    };
    const first = await runCli(['cutover', '--steps', '0.3,0.6,1.0', ...fast, '--json', '--target', service.url, '--data-dir', dataDir], { timeoutMs: 30_000, onSpawn: (c) => (child = c) });
    service.onRequest = undefined;
    expect(first.code, first.stderr).toBe(130);
    expect(service.ratio).toBe(0);
    const runId = jsonLines(first.stdout).at(-1)!.run_id as string;

    const preview = await runCli(['cutover', '--resume', runId, '--dry-run', '--target', service.url, '--data-dir', dataDir]);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('re-enters step 1 (ratio 0.3), the last ratio that passed');

    service.log.length = 0;
    const resumed = await runCli(['cutover', '--resume', runId, '--yes', '--json', '--target', service.url, '--data-dir', dataDir], { timeoutMs: 30_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
    const events = jsonLines(resumed.stdout);
    expect(events.find((e) => e.type === 'resume_point')).toMatchObject({ ratio: 0, index: 1, then: 2 });
  });
});

// ---- tmux: a real pty for the prompts ---------------------------------------------------------

const socket = `streamctl-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const pane = (name: string) => tmux('capture-pane', '-p', '-t', name);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Starts `streamctl <args>` in a detached 100x30 tmux session; the pane stays after it exits and shows its exit code. */
function startInTmux(name: string, args: string[]): void {
  const command = `env NO_COLOR=1 ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}; echo "EXIT=$?"; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', command);
}

function keep(name: string, screen: string): void {
  const to = process.env.STREAMCTL_CAPTURE_DIR;
  if (!to) return;
  mkdirSync(to, { recursive: true });
  writeFileSync(join(to, `${name}.txt`), screen);
}

// tmux is installed by `scripts/bootstrap.sh test`: without it these tests fail, they never skip.
describe('on a terminal (tmux)', () => {
  afterAll(() => {
    try {
      tmux('kill-server');
    } catch {
      // no server left
    }
  });

  it('a manual gate says "paused at gate N: ... Enter to continue, Ctrl-C to abort"; status says paused; Enter goes on', async () => {
    const dataDir = join(dir, 'gate');
    const scenario = join(dir, 'gate.yaml');
    writeFileSync(scenario, [
      'name: gate-demo', 'observe: 2s', 'interval: 1s', 'thresholds: { min_requests: 1 }', 'steps:',
      '  - ratio: 0.1', '  - pause: manual', '    message: look at the dashboards', '  - ratio: 0.5', '',
    ].join('\n'));
    startInTmux('gate', ['run', scenario, '--target', service.url, '--data-dir', dataDir, '--yes']);
    const waiting = await eventually(() => (pane('gate').includes('Enter to continue') ? pane('gate') : ''), { timeoutMs: 30_000 });
    keep('gate-prompt', waiting);
    expect(waiting).toContain('paused at gate 1: look at the dashboards. Enter to continue, Ctrl-C to abort');
    expect(service.ratio).toBe(0.1);

    const status = await runCli(['status', '--target', service.url, '--data-dir', dataDir]);
    keep('status-paused', status.stdout);
    expect(status.stdout).toMatch(/latest run {2}gate-demo-\S+ \("gate-demo"\): paused/);
    expect(status.stdout).toContain('waiting at gate 1 (manual)');
    // The spinner stopped while the prompt waits: the screen does not change.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(pane('gate')).toBe(waiting);

    tmux('send-keys', '-t', 'gate', 'Enter');
    const done = await eventually(() => (pane('gate').includes('EXIT=') ? pane('gate') : ''), { timeoutMs: 30_000 });
    keep('gate-after-enter', done);
    expect(done).toContain('EXIT=0');
    expect(done).toContain('gate 1 (manual): approved (approved at the terminal)');
    expect(done).toContain('step 2: ratio 0.1 -> 0.5');
    expect(service.ratio).toBe(0.5);
  });

  it('stepping down on a terminal warns and asks; y goes on', async () => {
    service.ratio = 1;
    startInTmux('down', ['cutover', '--steps', '0.5,1', ...fast, '--skip-consistency', '--yes', '--target', service.url, '--data-dir', join(dir, 'down-tty')]);
    const asked = await eventually(() => (pane('down').includes('[y/N]') ? pane('down') : ''), { timeoutMs: 30_000 });
    keep('decrease-question', asked);
    expect(asked).toContain('WARNING: this run moves traffic back to the traditional path:');
    expect(asked).toContain('step 1 (ratio 0.5) lowers the ratio from 1 (the current ratio) to 0.5: 50% of traffic back');
    expect(ratioPosts()).toEqual([]);
    tmux('send-keys', '-t', 'down', 'y', 'Enter');
    const done = await eventually(() => (pane('down').includes('EXIT=') ? pane('down') : ''), { timeoutMs: 30_000 });
    keep('decrease-after-yes', done);
    expect(done).toContain('EXIT=0');
    expect(ratioPosts()).toEqual([0.5, 1]);
  });
});
