import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeService, type FakeService } from '../../helpers/checks-fake-service.js';
import { runValidation, type ValidateOptions } from '../../../src/checks/validate/run.js';
import { HttpUploadSender } from '../../../src/checks/adapters/validate-http.js';
import { openValidationRows, type ClosableRowSource } from '../../../src/checks/adapters/validate-rows.js';
import { freePort } from '../../../src/shared/free-port.js';

let service: FakeService | undefined;
let dir: string | undefined;

afterEach(async () => {
  await service?.close();
  service = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const OPTIONS: Omit<ValidateOptions, 'target'> = { rate: 50, durationMs: 400, concurrency: 5, tolerance: 1e-6, maxExamples: 5, minSamples: 5, persistTimeoutMs: 1_500, pollIntervalMs: 50, runId: 'abc123' };

async function validate(target: string, rows: ClosableRowSource, options: Partial<ValidateOptions> = {}) {
  const sender = new HttpUploadSender(target, 10, 5_000);
  try {
    return await runValidation({ sender, rows }, { ...OPTIONS, target, ...options });
  } finally {
    await sender.close();
    await rows.close();
  }
}

async function setup(faults: Parameters<typeof startFakeService>[1] = {}) {
  dir = mkdtempSync(join(tmpdir(), 'streamctl-validate-'));
  const dbPath = join(dir, 'streamctl.db');
  service = await startFakeService(dbPath, faults);
  return { dbPath, target: service.url };
}

describe('validate against a service writing a real SQLite file', () => {
  it('matches when both paths persist the same fields (exit 0)', async () => {
    const { dbPath, target } = await setup();
    const report = await validate(target, await openValidationRows(dbPath));
    expect(report.samples).toBe(20);
    expect(report.counts.match).toBe(20);
    expect(report.exit_code).toBe(0);
    expect(report.latency_ms.old.count).toBe(20);
    expect(report.latency_ms.new.p95).toBeGreaterThan(0);
  });

  it('finds a record whose fields differ and one never persisted, and names them (exit 1)', async () => {
    const { dbPath, target } = await setup({ corruptNew: (u) => u.step === 1000 + 100 * 3, dropNew: (u) => u.step === 1000 + 100 * 7 });
    const report = await validate(target, await openValidationRows(dbPath));
    expect(report.exit_code).toBe(1);
    expect(report.counts).toMatchObject({ match: 18, mismatch: 1, not_persisted: 1 });
    const mismatch = report.examples.find((e) => e.class === 'mismatch')!;
    expect(mismatch.index).toBe(3);
    expect(mismatch.deviceSn).toBe('STREAM_TEST_abc123_003');
    expect(mismatch.differences).toEqual([{ column: 'heart_rate', expected: 73, actual: 74, side: 'new' }]);
    const lost = report.examples.find((e) => e.class === 'not_persisted')!;
    expect(lost.index).toBe(7);
    expect(lost.detail).toMatch(/new \(stream_v2\)/);
  });

  it('says too few samples (exit 3) when the run is too short to judge', async () => {
    const { dbPath, target } = await setup();
    const report = await validate(target, await openValidationRows(dbPath), { durationMs: 40, minSamples: 10 });
    expect(report.samples).toBe(2);
    expect(report.exit_code).toBe(3);
  });

  it('refuses an unreachable target before sending anything (exit 2)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamctl-validate-'));
    const dbPath = join(dir, 'streamctl.db');
    const probe = await startFakeService(dbPath);
    await probe.close();
    const port = await freePort();
    await expect(validate(`http://127.0.0.1:${port}`, await openValidationRows(dbPath))).rejects.toMatchObject({ exitCode: 2 });
  });
});
