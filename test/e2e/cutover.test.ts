import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/checks/adapters/http-load.js';
import { parseMix } from '../../src/checks/load/mix.js';
import type { LoadReport } from '../../src/checks/load/report.js';
import { freePort } from '../../src/shared/free-port.js';
import { runCli, spawnServe, type CliResult, type ServeProcess } from '../helpers/cli.js';

/**
 * The built binary against real `streamctl serve` processes (embedded redis-server, SQLite),
 * under real open-loop load on the legacy endpoint, so the ratio decides each upload's path.
 * Serve A takes the cutovers and the small commands in turn; serve B runs the 40 s rehearsal
 * scenario alongside, which keeps the whole file under a minute.
 */

const root = new URL('../..', import.meta.url).pathname;
const dirA = mkdtempSync(join(tmpdir(), 'streamctl-e2e-cutover-'));
const dirB = mkdtempSync(join(tmpdir(), 'streamctl-e2e-rehearsal-'));
const journalA = join(dirA, 'cli');
let serveA: ServeProcess;
let serveB: ServeProcess;
let rehearsal: Promise<CliResult>;
let rehearsalChild: ChildProcess | undefined;

const LEGACY = '/upload_health_data';
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

const ratioOf = async (serve: ServeProcess) => (await getJson<{ current_ratio: number }>(`${serve.url}/api/stream_traffic_ratio`)).current_ratio;

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Open-loop load in this process until aborted; resolves with the generator's report. */
function startLoad(serve: ServeProcess, devicePrefix: string, rate = 150) {
  const abort = new AbortController();
  const done = runLoad({ target: serve.url, rate, durationMs: 45_000, devices: 100, connections: 16, mix: parseMix(undefined, LEGACY), devicePrefix, timeoutMs: 10_000 }, abort.signal);
  return { stop: () => (abort.abort(), done) };
}

function rowsFor(dataDir: string, prefix: string): { rows: number; distinctReadings: number } {
  const db = new Database(join(dataDir, 'streamctl.db'), { readonly: true, fileMustExist: true });
  try {
    const like = `${prefix}%`;
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM user_health_data WHERE device_sn LIKE ?').get(like) as { n: number }).n;
    const distinctReadings = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT DISTINCT device_sn, timestamp FROM user_health_data WHERE device_sn LIKE ?)').get(like) as { n: number }).n;
    return { rows, distinctReadings };
  } finally {
    db.close();
  }
}

interface StatsDoc {
  stream_stats: { streams: Record<string, { backlog: { unconsumed: number; pending: number; dead_letters: number } }> };
  traditional: { queued: number };
}

/** Nothing left in flight: no stream entry unconsumed or pending, the batch queue empty. */
async function drained(serve: ServeProcess): Promise<boolean> {
  const stats = await getJson<StatsDoc>(`${serve.url}/api/stream_stats`);
  return stats.traditional.queued === 0 && Object.values(stats.stream_stats.streams).every((s) => s.backlog.unconsumed === 0 && s.backlog.pending === 0);
}

async function stop(child: ChildProcess | undefined, exited: Promise<unknown>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

const serveArgs = (port: number, dataDir: string) => ['--port', String(port), '--data-dir', dataDir, '--enable-chaos', '--flush-interval', '200ms', '--log-level', 'warn'];

beforeAll(async () => {
  const portA = await freePort();
  let portB = await freePort();
  while (portB === portA) portB = await freePort();
  [serveA, serveB] = await Promise.all([spawnServe(serveArgs(portA, dirA)), spawnServe(serveArgs(portB, dirB))]);
  rehearsal = runCli(['run', join(root, 'scenarios/rehearsal.yaml'), '--target', serveB.url, '--yes', '--data-dir', join(dirB, 'cli')], {
    timeoutMs: 58_000,
    onSpawn: (child) => (rehearsalChild = child),
  });
  rehearsal.catch(() => undefined); // awaited (and reported) by its own test
});

afterAll(async () => {
  // Ctrl-C first: the run restores its starting ratio and stops its load.
  if (rehearsalChild) await stop(rehearsalChild, rehearsal.catch(() => undefined), 'SIGINT');
  await Promise.all([serveA && stop(serveA.child, serveA.exited), serveB && stop(serveB.child, serveB.exited)]);
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
});

describe('streamctl cutover against a real serve under load', () => {
  it('completes 0.3, 0.6, 1.0 with exit 0, prints JSON lines of events, and leaves the ratio at 1.0', async () => {
    const load = startLoad(serveA, 'E2E_OK_');
    let report: LoadReport | undefined;
    try {
      await sleep(1_000); // the metrics window has traffic before the first step
      const result = await runCli(
        ['cutover', '--steps', '0.3,0.6,1.0', '--observe', '4s', '--interval', '1s', '--min-requests', '5', '--yes', '--json', '--target', serveA.url, '--data-dir', journalA],
        { timeoutMs: 30_000 },
      );
      report = await load.stop();
      expect(result.code, result.stderr).toBe(0);
      const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; [k: string]: unknown });
      expect(events[0]!.type).toBe('run_started');
      expect(events.filter((e) => e.type === 'step_started').map((e) => e.ratio)).toEqual([0.3, 0.6, 1]);
      expect(events.filter((e) => e.type === 'sample').every((e) => (e.sample as { verdict: string }).verdict === 'ok')).toBe(true);
      expect(events.filter((e) => e.type === 'step_passed')).toHaveLength(4); // the consistency gate and the three ratios
      expect(events.at(-1)).toMatchObject({ type: 'result', outcome: 'completed', exit_code: 0 });
      expect(await ratioOf(serveA)).toBe(1);
    } finally {
      report ??= await load.stop();
    }
    expect(report.ok).toBeGreaterThan(1_000);
  });

  it('rolls back on chaos injected at the second step: exit 1, says why, ratio 0, nothing accepted is lost', async () => {
    const PREFIX = 'E2E_CHAOS_';
    const load = startLoad(serveA, PREFIX);
    const watching = new AbortController();
    // When the ratio reads the second step's 0.6, half the stream-path uploads start failing.
    const chaos = (async () => {
      while (!watching.signal.aborted) {
        if ((await ratioOf(serveA).catch(() => null)) === 0.6) return postJson(`${serveA.url}/api/chaos`, { stream_error_rate: 0.5 });
        await sleep(50);
      }
      return null;
    })();
    let result: CliResult;
    let report: LoadReport;
    try {
      await sleep(1_000);
      result = await runCli(
        // The ratio is 1 after the test before: stepping down to 0.3 is allowed explicitly (issue 11).
        ['cutover', '--steps', '0.3,0.6,1.0', '--observe', '4s', '--interval', '1s', '--min-requests', '5', '--allow-decrease', '--yes', '--target', serveA.url, '--data-dir', journalA],
        { timeoutMs: 30_000 },
      );
    } finally {
      watching.abort();
      report = await load.stop();
      expect(await postJson(`${serveA.url}/api/chaos`, { stream_error_rate: 0 })).toBe(200);
    }
    expect(await chaos).toBe(200);
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(1);
    // Which check, its value and threshold, and the step (the consistency gate before it is gate 1, not a step).
    expect(output).toMatch(/breach at step 2 \(ratio 0\.6\), sample \d\/4: error_rate \d+(\.\d+)?% > 1%/);
    expect(output).toContain('ROLLED BACK');
    expect(await ratioOf(serveA)).toBe(0);

    // The load saw both answers: 200 (accepted) and the injected 500s.
    expect(report.errors['500']).toBeGreaterThan(0);
    expect(report.ok).toBeGreaterThan(500);
    // Every upload answered 200 is a row once the streams drained and the batch queue flushed.
    let counted = rowsFor(dirA, PREFIX);
    const settled = await waitFor(async () => (counted = rowsFor(dirA, PREFIX)).rows >= report.ok && (await drained(serveA)), 15_000, 200);
    expect(settled, `rows ${counted.rows} of ${report.ok} accepted`).toBe(true);
    expect(counted.rows).toBe(report.ok);
    expect(counted.distinctReadings).toBe(report.ok); // and none twice
  });
});

describe('the small commands against the same serve', () => {
  it('ratio set / ratio / ratio set abc (64, nothing sent) / rollback --json / status --json', async () => {
    const target = ['--target', serveA.url];
    const set = await runCli(['ratio', 'set', '0.3', '--json', ...target], { timeoutMs: 10_000 });
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ requested: 0.3, read_back: 0.3, verified: true });

    const show = await runCli(['ratio', ...target], { timeoutMs: 10_000 });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^0\.3 \(30%/);

    const auditBefore = (await getJson<{ entries: unknown[] }>(`${serveA.url}/api/audit?limit=100`)).entries.length;
    const bad = await runCli(['ratio', 'set', 'abc', ...target], { timeoutMs: 10_000 });
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('"abc" is not a number between 0 and 1');
    expect(await ratioOf(serveA)).toBe(0.3);
    expect((await getJson<{ entries: unknown[] }>(`${serveA.url}/api/audit?limit=100`)).entries.length).toBe(auditBefore);

    const rollback = await runCli(['rollback', '--json', '--reason', 'e2e', ...target], { timeoutMs: 15_000 });
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ verified: true, ratio_after: 0, reason: 'e2e' });
    expect(await ratioOf(serveA)).toBe(0);

    const status = await runCli(['status', '--json', ...target, '--data-dir', journalA], { timeoutMs: 10_000 });
    expect(status.code, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout);
    expect(doc.health).toMatchObject({ ok: true, value: { healthy: true } });
    expect(doc.ratio).toEqual({ ok: true, value: 0 });
    expect(doc.streams.ok).toBe(true);
    const health = doc.streams.value.streams.find((s: { name: string }) => s.name === 'health_data_stream');
    expect(health.backlog).toMatchObject({ pending: expect.any(Number), dead_letters: 0, trimmed_unconsumed: 0 });
    // The latest run in the journal is the chaos cutover, and why it ended.
    expect(doc.latest_run).toMatchObject({ scenario: 'cutover', outcome: 'rolled_back', exit_code: 1 });
    expect(doc.latest_run.reason).toContain('error_rate');
  });
});

describe('streamctl run scenarios/rehearsal.yaml against serve --enable-chaos', () => {
  it('completes (exit 0) with load: on each step, and journals what each load did', async () => {
    const result = await rehearsal;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('run ended: completed (exit 0)');
    expect(result.stdout).toMatch(/step 1: load 200\/s on \/upload_health_data/);
    const journal = /journal: (\S+)/.exec(result.stderr)![1]!;
    const records = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; index: number; summary: any });
    const loads = records.filter((r) => r.type === 'load_stopped');
    expect(loads.map((r) => r.index)).toEqual([0, 1]);
    for (const { summary } of loads) {
      expect(summary.targetRate).toBe(200);
      expect(summary.achievedRate).toBeGreaterThan(150);
      expect(summary.errorRate).toBe(0);
      expect(summary.p95Ms).toBeGreaterThan(0);
    }
    expect(await ratioOf(serveB)).toBe(1);
    // The rehearsal's uploads all landed: its load devices are LOAD_000000..LOAD_000199.
    const accepted = loads.reduce((sum, r) => sum + (r.summary.ok as number), 0);
    let counted = rowsFor(dirB, 'LOAD_');
    expect(await waitFor(async () => (counted = rowsFor(dirB, 'LOAD_')).rows >= accepted && (await drained(serveB)), 10_000, 200), `rows ${counted.rows} of ${accepted}`).toBe(true);
    expect(counted.rows).toBe(accepted);
  });
});
