import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startOriginalService, type OriginalService } from '../helpers/original-service.js';

/**
 * The built binary against the original Flask service (reference/original-service, its own
 * redis-server and SQLite file), under a background load of original-shaped health uploads on
 * the legacy endpoint, so the ratio decides each upload's path. Each test gets a fresh service:
 * the original's emergency rollback stops its consumers for good, and its metrics are cumulative.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let service: OriginalService | undefined;
let cliDir: string | undefined;
afterEach(async () => {
  await service?.cleanup();
  service = undefined;
  if (cliDir) rmSync(cliDir, { recursive: true, force: true });
  cliDir = undefined;
});

async function start(ratio: number): Promise<{ svc: OriginalService; dataDir: string }> {
  service = await startOriginalService({ ratio, rollbackSleepSeconds: 0 });
  cliDir = mkdtempSync(join(tmpdir(), 'streamctl-e2e-original-cli-'));
  return { svc: service, dataDir: cliDir };
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  expect(response.status, `GET ${url}`).toBe(200);
  return (await response.json()) as T;
}

async function postJson(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status;
}

interface OriginalConsistency {
  traditional_count: number;
  stream_count: number;
  total_count: number;
  duplicates: number;
  consistency_ok: boolean;
}

const consistencyOf = (svc: OriginalService) => getJson<OriginalConsistency>(`${svc.url}/api/consistency`);
const ratioOf = async (svc: OriginalService) => (await getJson<{ current_ratio: number }>(`${svc.url}/api/stream_traffic_ratio`)).current_ratio;

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/**
 * Closed-loop uploads to `/upload_health_data` from a few workers until stopped; counts answers by
 * HTTP status. Every upload is a different device: the original stamps stream rows with the time
 * they are consumed, not the device's timestamp, so two readings of one device consumed in the same
 * second are a "duplicate group" to its own check (README of the reference service).
 */
function startLoad(svc: OriginalService, prefix: string, workers = 3) {
  const stopped = new AbortController();
  const statuses: Record<string, number> = {};
  let sent = 0;
  const worker = async (w: number) => {
    for (let n = 0; !stopped.signal.aborted; n++) {
      const body = { data: { deviceSn: `${prefix}${w}_${n}`, heart_rate: 72, timestamp: 1764000000 + n } };
      sent++;
      const status = await postJson(`${svc.url}/upload_health_data`, body).catch(() => 'unreachable' as const);
      statuses[status] = (statuses[status] ?? 0) + 1;
      await sleep(25); // ~100 uploads/s in all: enough samples, and room on two shared cores
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    statuses,
    sent: () => sent,
    stop: async () => {
      stopped.abort();
      await done;
      return statuses;
    },
  };
}

interface Event {
  type: string;
  [key: string]: unknown;
}

const eventsOf = (result: CliResult): Event[] => result.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Event);

function journalOf(dataDir: string, runId: string): Event[] {
  return readFileSync(join(dataDir, 'runs', `${runId}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Event);
}

const cutoverArgs = (svc: OriginalService, dataDir: string) =>
  ['cutover', '--target', svc.url, '--steps', '0.5,1.0', '--observe', '3s', '--interval', '1s', '--min-requests', '1', '--yes', '--json', '--data-dir', dataDir];

const ORIGINAL_DOCUMENT = "original service's verify_database_consistency()";

describe('streamctl cutover against the original service', () => {
  it("reads the original's consistency document at the gate, passes it, and completes to 1.0", async () => {
    const { svc, dataDir } = await start(0);
    expect(await postJson(`${svc.url}/__reset_metrics`, {})).toBe(200);
    const load = startLoad(svc, 'ORIG_OK_');
    let result: CliResult;
    try {
      // The gate should read real rows: wait until the traditional path has flushed some.
      const flushed = await waitFor(async () => (await consistencyOf(svc)).traditional_count > 0, 20_000);
      expect(flushed, `no traditional rows after 20 s:\n${svc.output()}`).toBe(true);
      result = await runCli(cutoverArgs(svc, dataDir), { timeoutMs: 90_000 });
    } finally {
      await load.stop();
    }
    expect(result.code, `${result.stderr}\n${svc.output()}`).toBe(0);

    const events = eventsOf(result);
    const gate = events.find((e) => e.type === 'gate');
    expect(gate).toMatchObject({ gate: 'consistency', result: 'consistent' });
    expect(gate!.summary).toMatch(/^original service's verify_database_consistency\(\): [1-9]\d* traditional \+ \d+ stream rows in the last hour, 0 duplicate \(device_sn, timestamp\) groups$/);
    expect(events.filter((e) => e.type === 'warning' && String(e.message).includes('SKIPPED'))).toEqual([]);
    expect(events.filter((e) => e.type === 'step_started').map((e) => e.ratio)).toEqual([0.5, 1]);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'result', outcome: 'completed', exit_code: 0 });
    expect((last.steps as { label: string; verdict: string }[]).map((s) => [s.label, s.verdict])).toEqual([['consistency', 'passed'], ['0.5', 'passed'], ['1', 'passed']]);

    // The journal keeps the same gate record, so `status` and a resume see which document was read.
    const journalGate = journalOf(dataDir, last.run_id as string).find((e) => e.type === 'gate');
    expect(journalGate).toMatchObject({ gate: 'consistency', result: 'consistent', summary: gate!.summary });

    expect(await ratioOf(svc)).toBe(1);
    // Uploads went through the stream path and its consumer wrote them, without duplicates.
    let after: OriginalConsistency | undefined;
    const streamed = await waitFor(async () => (after = await consistencyOf(svc)).stream_count > 0, 20_000);
    expect(streamed, JSON.stringify(after)).toBe(true);
    expect(after).toMatchObject({ duplicates: 0, consistency_ok: true });
    expect(load.statuses['200']).toBeGreaterThan(0);
  });

  it('rolls back when the stream path fails on the target: exit 1, ratio 0', async () => {
    const { svc, dataDir } = await start(0);
    expect(await postJson(`${svc.url}/__fault`, { stream_error_rate: 1 })).toBe(200);
    expect(await postJson(`${svc.url}/__reset_metrics`, {})).toBe(200);
    const load = startLoad(svc, 'ORIG_FAULT_');
    let result: CliResult;
    try {
      // Traffic is flowing before the first ratio step, so its first sample has stream requests.
      expect(await waitFor(async () => load.sent() > 10, 20_000)).toBe(true);
      result = await runCli(cutoverArgs(svc, dataDir), { timeoutMs: 90_000 });
    } finally {
      await load.stop();
    }
    expect(result.code, `${result.stdout}\n${result.stderr}\n${svc.output()}`).toBe(1);

    const events = eventsOf(result);
    expect(events.find((e) => e.type === 'gate')).toMatchObject({ gate: 'consistency', result: 'consistent', summary: expect.stringContaining(ORIGINAL_DOCUMENT) });
    const breach = events.find((e) => e.type === 'decision' && e.action === 'breach');
    expect(breach).toMatchObject({ index: 1, check: 'error_rate' });
    expect(events.find((e) => e.type === 'rollback')).toMatchObject({ verified: true, ratio_after: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'result', outcome: 'rolled_back', exit_code: 1 });
    expect(await ratioOf(svc)).toBe(0);
    // The injected fault is what the load saw on the stream share: the seed's 500 JSON.
    expect(load.statuses['500']).toBeGreaterThan(0);
  });

  it("treats consistency_ok false (duplicate groups) as a breach: rolls back before any step, exit 1", async () => {
    // Starts at the original's own default of 10 %, so the rollback visibly moves the ratio.
    const { svc, dataDir } = await start(0.1);
    // Two rows of one reading, written as the traditional path writes them (models.py): the
    // original's duplicate check on (device_sn, timestamp) sees one duplicate group. Written
    // directly because the API makes them only by a race between its queue and its flush.
    const db = new Database(svc.databasePath, { timeout: 10_000 });
    try {
      const now = localDatetime(new Date());
      const insert = db.prepare("INSERT INTO user_health_data (device_sn, heart_rate, timestamp, upload_method, create_time) VALUES ('ORIG_DUP_1', 72, '2025-11-24 16:00:00', 'optimized', ?)");
      insert.run(now);
      insert.run(now);
    } finally {
      db.close();
    }
    expect(await consistencyOf(svc)).toMatchObject({ duplicates: 1, consistency_ok: false });

    const result = await runCli(cutoverArgs(svc, dataDir), { timeoutMs: 60_000 });
    expect(result.code, `${result.stdout}\n${result.stderr}\n${svc.output()}`).toBe(1);
    const events = eventsOf(result);
    const gate = events.find((e) => e.type === 'gate');
    expect(gate).toMatchObject({ gate: 'consistency', result: 'inconsistent' });
    expect(gate!.summary).toContain(`${ORIGINAL_DOCUMENT}: consistency_ok false`);
    expect(gate!.summary).toContain('1 duplicate (device_sn, timestamp) group');
    expect(events.some((e) => e.type === 'ratio_set')).toBe(false);
    expect(events.find((e) => e.type === 'rollback')).toMatchObject({ verified: true, ratio_after: 0 });
    expect(events.at(-1)).toMatchObject({ type: 'result', outcome: 'rolled_back', exit_code: 1 });
    expect(await ratioOf(svc)).toBe(0);
  });
});

/** 'YYYY-MM-DD HH:MM:SS' in local time: how models.py stores create_time (like MySQL NOW()). */
function localDatetime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
