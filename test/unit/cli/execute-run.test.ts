import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeRun, type ExecuteRunInput } from '../../../src/cli/control/execute-run.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { UsageError } from '../../../src/shared/errors.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeService, isMetricsRead } from '../../helpers/fake-service.js';
import { flagsPlan } from '../control/harness.js';
import { captureIo, type CapturedIo } from './io-helper.js';

let service: FakeService;
let dataDir: string;
beforeEach(async () => {
  service = await new FakeService().start();
  dataDir = mkdtempSync(join(tmpdir(), 'streamctl-cli-run-'));
});
afterEach(async () => {
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function input(io: CapturedIo, extra: Partial<ExecuteRunInput> = {}): ExecuteRunInput {
  return {
    plan: flagsPlan({ steps: [0.3, 1] }), conn: { target: service.url, dataDir, timeout: '2s' }, targetChosen: true,
    json: false, yes: true, dryRun: false, resumeCommand: (id) => `streamctl cutover --resume ${id}`, io,
    signal: new AbortController().signal, clock: new FakeClock(), ...extra,
  };
}

describe('cutover/run output', () => {
  it('--json: stdout carries only JSON lines, ending with the result', async () => {
    const io = captureIo();
    expect(await executeRun(input(io, { json: true }))).toBe(ExitCode.Ok);
    const docs = io.stdout.map((line) => JSON.parse(line));
    expect(docs[0].type).toBe('run_started');
    expect(docs.at(-1)).toMatchObject({ type: 'result', outcome: 'completed', exit_code: 0 });
    expect(docs.at(-1).steps.map((s: { verdict: string }) => s.verdict)).toEqual(['passed', 'passed']);
  });

  it('plain: a line per event, a line per step, the outcome; a breach goes to stderr with exit 1', async () => {
    service.metrics = ({ ratio }) => ({ stream: { requests: 100, error_rate: ratio === 1 ? 3 : 0, p95_response_time: 20 } });
    const io = captureIo();
    expect(await executeRun(input(io))).toBe(ExitCode.CheckFailed);
    const out = io.stdout.join('\n');
    expect(out).toMatch(/step 2: ratio 0.3 -> 1, reads back 1/);
    expect(out).toContain('step 2 ratio 1: breached, 1/5 samples, worst error rate 3%');
    expect(io.stderr.join('\n')).toContain('rolled back: breach at step 2 (ratio 1), sample 1/5: error_rate 3% > 1%');
  });

  it('--dry-run prints the plan and touches nothing', async () => {
    const io = captureIo();
    expect(await executeRun(input(io, { dryRun: true }))).toBe(ExitCode.Ok);
    expect(io.stdout[0]).toContain('total observation time: 10m');
    expect(service.log).toHaveLength(0);
  });

  it('an interrupted run prints how to resume, and --resume refuses another target', async () => {
    const stop = new AbortController();
    service.onRequest = (m, p, s) => {
      if (isMetricsRead(m, p) && s.metricsReads === 2) stop.abort();
    };
    const io = captureIo();
    expect(await executeRun(input(io, { signal: stop.signal }))).toBe(ExitCode.Interrupted);
    const hint = io.stderr.join('\n').match(/continue with: streamctl cutover --resume (\S+)/);
    expect(hint).not.toBeNull();
    await expect(executeRun(input(captureIo(), { resume: hint![1]!, conn: { target: 'http://127.0.0.1:9', dataDir, timeout: '1s' } }))).rejects.toBeInstanceOf(UsageError);
    service.onRequest = undefined;
    expect(await executeRun(input(captureIo(), { resume: hint![1]!, plan: null }))).toBe(ExitCode.Ok);
  });
});
