import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApiClient } from '../../../src/adapters/admin-api-client.js';
import { HttpConsistencyGate } from '../../../src/adapters/consistency-gate-http.js';
import { FileJournal } from '../../../src/adapters/file-journal.js';
import { AutoLease } from '../../../src/adapters/lease-auto.js';
import { runCutover, type RunResult } from '../../../src/control/controller.js';
import { planFromFlags, type CutoverFlags } from '../../../src/control/plan-from-flags.js';
import type { Plan } from '../../../src/control/plan.js';
import type { RunEvent, RunRecord } from '../../../src/control/records.js';
import type { EngineDeps } from '../../../src/control/run.js';
import { JournalWriteError, type Journal } from '../../../src/ports/journal.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeService, type FakeServiceOptions } from '../../helpers/fake-service.js';

export interface Harness {
  service: FakeService;
  client: AdminApiClient;
  clock: FakeClock;
  journal: FileJournal<RunRecord>;
  dataDir: string;
  controller: AbortController;
  events: RunEvent[];
  run(plan: Plan, runId?: string, extra?: Partial<EngineDeps>): Promise<RunResult>;
  resume(runId: string, extra?: Partial<EngineDeps>): Promise<RunResult>;
  records(runId?: string): Promise<RunRecord[]>;
  close(): Promise<void>;
}

export const FLAGS: CutoverFlags = {
  steps: [0.3, 0.6, 1],
  observeMs: 300_000,
  intervalMs: 60_000,
  thresholds: {},
  limits: {},
  skipPrecheck: false,
  skipConsistency: true,
};

export function flagsPlan(overrides: Partial<CutoverFlags> = {}): Plan {
  return planFromFlags({ ...FLAGS, ...overrides, thresholds: { ...FLAGS.thresholds, ...overrides.thresholds }, limits: { ...FLAGS.limits, ...overrides.limits } });
}

/** The engine wired to real adapters against the in-process fake service, on a fake clock. */
export async function harness(options: FakeServiceOptions = {}): Promise<Harness> {
  const service = await new FakeService(options).start();
  const client = new AdminApiClient({ target: service.url, ...(options.token ? { token: options.token } : {}) });
  const dataDir = mkdtempSync(join(tmpdir(), 'streamctl-engine-'));
  const journal = new FileJournal<RunRecord>(dataDir);
  const clock = new FakeClock();
  // The service's lease runs on the true time: a wall-clock step on the controller's host does not reach it.
  service.clockNow = () => clock.trueNow();
  const events: RunEvent[] = [];
  const h: Harness = {
    service, client, clock, journal, dataDir, controller: new AbortController(), events,
    deps(runId: string, extra: Partial<EngineDeps> = {}): EngineDeps {
      return {
        traffic: client, metrics: client, journal, clock, signal: h.controller.signal,
        lease: new AutoLease({ http: client.http, dataDir, name: 'cutover', holder: `${runId}@test`, ttlMs: 60_000 }),
        consistency: new HttpConsistencyGate(client.http),
        onEvent: (e) => events.push(e),
        ...extra,
      };
    },
    run(plan, runId = 'run-1', extra) {
      return runCutover(this.deps(runId, extra), { kind: 'new', runId, plan, target: service.url, holder: `${runId}@test` });
    },
    resume(runId, extra) {
      h.controller = new AbortController();
      return runCutover(this.deps(runId, extra), { kind: 'resume', runId, holder: `${runId}@test` });
    },
    records: (runId = 'run-1') => journal.read(runId),
    async close() {
      await client.close();
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  } as Harness & { deps(runId: string, extra?: Partial<EngineDeps>): EngineDeps };
  return h;
}

/**
 * A journal that dies (like the process would) on its n-th append and stays dead: every later
 * append throws too, as nothing more reaches the disk from a killed process. (Thrown in-process,
 * the engine's catch-all still puts the ratio back first; the journal shows none of it.)
 */
export function crashingJournal(inner: Journal<RunRecord>, crashAt: number): Journal<RunRecord> {
  let appends = 0;
  return {
    append: async (runId, record) => {
      if (++appends >= crashAt) throw new Error('simulated crash');
      await inner.append(runId, record);
    },
    read: (runId, onSkipped) => inner.read(runId, onSkipped),
    list: () => inner.list(),
  };
}

/**
 * A journal that dies on the first record `when` picks and stays dead: every later append
 * throws too, as nothing more reaches the disk from a killed process.
 */
export function dyingJournal(inner: Journal<RunRecord>, when: (record: RunRecord) => boolean): Journal<RunRecord> {
  let dead = false;
  return {
    append: async (runId, record) => {
      if (dead || when(record)) {
        dead = true;
        throw new Error('simulated crash');
      }
      await inner.append(runId, record);
    },
    read: (runId, onSkipped) => inner.read(runId, onSkipped),
    list: () => inner.list(),
  };
}

export function ofType<T extends RunRecord['type']>(records: RunRecord[], type: T): Array<Extract<RunRecord, { type: T }>> {
  return records.filter((r): r is Extract<RunRecord, { type: T }> => r.type === type);
}

/**
 * A journal whose disk stops taking writes at its n-th append and from then on (EROFS, a full
 * disk): a JournalWriteError, what FileJournal throws, not a crash; the process goes on.
 */
export function failingJournal(inner: Journal<RunRecord>, failFrom: number, message = 'EROFS: read-only file system'): Journal<RunRecord> & { failed: number } {
  let appends = 0;
  const journal = {
    failed: 0,
    append: async (runId: string, record: RunRecord) => {
      if (++appends >= failFrom) {
        journal.failed++;
        throw new JournalWriteError(`cannot write the journal ${runId}.jsonl: ${message}`);
      }
      await inner.append(runId, record);
    },
    read: (runId: string, onSkipped?: Parameters<Journal<RunRecord>['read']>[1]) => inner.read(runId, onSkipped),
    list: () => inner.list(),
  };
  return journal;
}
