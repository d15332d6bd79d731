import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsistencyEndpoint } from '../../../src/checks/adapters/consistency-endpoint.js';
import { fetchConsistencyDocument } from '../../../src/checks/adapters/consistency-http.js';
import { runCli } from '../../helpers/cli.js';
import { eventually, startTestService, type TestService } from '../../helpers/service.js';
import type { ConsistencyDocument } from '../../../src/checks/consistency/document.js';

// Issue 11: `check consistency --grace 0s` right after uploads at ratio 0 said INCONSISTENT
// ("30 accepted records neither persisted nor in flight") while they waited in serve's batch queue.
const BODY = { data: { deviceSn: 'W1', heart_rate: 72, timestamp: 1764000000 } };
const UPLOADS = 30;

let service: TestService;

beforeAll(async () => {
  // 5 s between flushes and batches of 100: the 30 uploads wait in the queue for 5 s.
  service = await startTestService({ ratio: 0, flushIntervalMs: 5_000 }, { consistency: createConsistencyEndpoint });
});

afterAll(async () => {
  await service?.cleanup();
});

describe('check consistency and the batch queue', () => {
  it('counts queued records as in flight, refuses a grace shorter than the flush interval, and names the minutes judged', async () => {
    for (let i = 0; i < UPLOADS; i++) {
      const reply = await service.post('/upload_health_data', BODY);
      expect(reply.status).toBe(200);
    }
    expect(service.count('user_health_data')).toBe(0);
    // A window that holds the uploads' minute, judged while they are still queued.
    const atMs = Date.now() + 65_000;
    // The acceptance ledger is written just after each answer: wait until it counts all 30.
    const gapOf = (doc: ConsistencyDocument) => doc.checks.find((c) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data')!;
    const inside = await eventually(async () => {
      const doc = await fetchConsistencyDocument(service.url, { atMs, graceMs: 5_000, windowMs: 120_000 });
      return gapOf(doc).observed.accepted === UPLOADS ? doc : undefined;
    }, { timeoutMs: 3_000, everyMs: 50 });
    const direct = await runCli(['check', 'consistency', '--data-dir', service.dataDir, '--at', new Date(atMs).toISOString(), '--grace', '5s', '--window', '2m', '--json']);
    const queuedStill = service.count('user_health_data') === 0;

    for (const doc of [inside, JSON.parse(direct.stdout)]) {
      const gap = doc.checks.find((c: { id: string; path?: string; kind?: string }) => c.id === 'accepted_vs_persisted' && c.path === 'optimized' && c.kind === 'health_data');
      expect(gap.observed).toMatchObject({ accepted: UPLOADS, missing: 0 });
      expect(doc.verdict).toBe('consistent');
      if (queuedStill) expect(gap.observed).toMatchObject({ persisted: 0, in_flight: UPLOADS, batch_queue: UPLOADS });
    }
    expect(direct.code).toBe(0);
    expect(queuedStill).toBe(true);

    const refused = await runCli(['check', 'consistency', '--data-dir', service.dataDir, '--grace', '0s']);
    expect(refused.code).toBe(64);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--grace 0s is shorter than the batch queue\'s flush interval (5s on http://');
    expect(refused.stderr).toContain('may still wait in the queue');

    // The same rule when the check runs inside serve (--target, no database here).
    const viaTarget = await runCli(['check', 'consistency', '--target', service.url, '--grace', '1s', '--data-dir', service.dataDir + '-none']);
    expect(viaTarget.code).toBe(64);
    expect(viaTarget.stderr).toContain(`--grace 1s is shorter than the batch queue's flush interval (5s on ${service.url})`);

    const human = await runCli(['check', 'consistency', '--data-dir', service.dataDir, '--at', new Date(atMs).toISOString(), '--grace', '5s', '--window', '2m']);
    const end = new Date(Math.floor((atMs - 5_000) / 60_000) * 60_000);
    const first = new Date(end.getTime() - 120_000).toISOString().slice(0, 16).replace('T', ' ');
    const last = new Date(end.getTime() - 60_000).toISOString().slice(11, 16);
    expect(human.stdout).toContain(`minutes judged: ${first} .. ${last} UTC (2); accepted at ${end.toISOString().replace('.000Z', 'Z')} or later`);
    expect(human.code).toBe(0);
    console.log(`$ streamctl check consistency --grace 0s\n${refused.stderr}\n$ streamctl check consistency --at ... --grace 5s --window 2m\n${human.stdout}`);
  });
});
