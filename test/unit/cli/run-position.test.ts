import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dryRun } from '../../../src/cli/control/dry-run.js';
import { executeRun, type ExecuteRunInput } from '../../../src/cli/control/execute-run.js';
import { gatePrompt } from '../../../src/cli/control/prompts.js';
import { previewResume } from '../../../src/cli/control/resume-preview.js';
import { resumeSummary } from '../../../src/cli/render/resume-view.js';
import { FileJournal } from '../../../src/adapters/file-journal.js';
import type { RunRecord } from '../../../src/control/records.js';
import { foldRecords } from '../../../src/control/state.js';
import { loadScenario } from '../../../src/scenario/load-scenario.js';
import { writeFileSync } from 'node:fs';
import { eventLine, spinnerText } from '../../../src/cli/render/run-events.js';
import { statusLines } from '../../../src/cli/render/status-layout.js';
import { stepLines } from '../../../src/cli/render/step-table.js';
import type { LatestRun, StatusDoc } from '../../../src/control/status.js';
import { summariseSteps } from '../../../src/control/step-summary.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeService } from '../../helpers/fake-service.js';
import { flagsPlan } from '../control/harness.js';
import { captureIo, type CapturedIo } from './io-helper.js';

let service: FakeService;
let dataDir: string;
beforeEach(async () => {
  service = await new FakeService().start();
  dataDir = mkdtempSync(join(tmpdir(), 'streamctl-cli-position-'));
});
afterEach(async () => {
  await service.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cutover = flagsPlan({ steps: [0.3, 0.6, 1], skipConsistency: false });
const ratioPosts = () => service.calls('POST', '/api/stream_traffic_ratio').map((c) => (c.body as { ratio: number }).ratio);

function input(io: CapturedIo, extra: Partial<ExecuteRunInput> = {}): ExecuteRunInput {
  return {
    plan: cutover, conn: { target: service.url, dataDir, timeout: '2s' }, targetChosen: true,
    json: false, yes: true, dryRun: false, resumeCommand: (id) => `streamctl cutover --resume ${id}`, io,
    signal: new AbortController().signal, clock: new FakeClock(), ...extra,
  };
}

describe('cutover at ratio 1 with --steps 0.3,0.6,1.0 (issue 11: stepped down without a word)', () => {
  it('--json | cat (no terminal): exit 64, the result says why, nothing set', async () => {
    service.ratio = 1;
    const io = captureIo();
    expect(await executeRun(input(io, { json: true }))).toBe(ExitCode.Usage);
    const result = JSON.parse(io.stdout.at(-1)!);
    expect(result).toMatchObject({ type: 'result', outcome: 'refused', exit_code: 64 });
    expect(result.reason).toContain('step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3');
    expect(ratioPosts()).toEqual([]);
    expect(service.ratio).toBe(1);
  });

  it('--allow-decrease: steps down as planned and says so', async () => {
    service.ratio = 1;
    const io = captureIo();
    expect(await executeRun(input(io, { allowDecrease: true }))).toBe(ExitCode.Ok);
    expect(io.stdout.join('\n')).toContain('warning: moving traffic back, allowed by --allow-decrease: step 1 (ratio 0.3) lowers the ratio from 1');
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
  });
});

describe('allow_decrease in a scenario', () => {
  it('is read as the plan\'s allowDecrease; absent, the plan does not carry it', async () => {
    const file = join(dataDir, 'down.yaml');
    writeFileSync(file, 'observe: 1m\nallow_decrease: true\nsteps:\n  - ratio: 0.6\n  - ratio: 0.3\n');
    expect((await loadScenario(file)).allowDecrease).toBe(true);
    writeFileSync(file, 'observe: 1m\nsteps:\n  - ratio: 0.6\n');
    expect('allowDecrease' in (await loadScenario(file))).toBe(false);
    writeFileSync(file, 'observe: 1m\nallow_decrease: yes please\nsteps:\n  - ratio: 0.6\n');
    await expect(loadScenario(file)).rejects.toThrow('allow_decrease');
  });
});

describe('--dry-run judges steps that decrease within the plan', () => {
  const down = flagsPlan({ steps: [0.6, 0.3] });
  it('without a terminal: exit 64 with the plan and the warning; --allow-decrease: 0; on a terminal: 0 (the run asks)', () => {
    const io = captureIo();
    expect(dryRun({ plan: down, target: 'http://t', json: false, interactive: false, resume: null, io })).toBe(ExitCode.Usage);
    expect(io.stdout[0]).toContain('(dry run: nothing was changed)');
    expect(io.stderr[0]).toContain('step 2 (ratio 0.3) lowers the ratio from 0.6 (step 1 (ratio 0.6)) to 0.3');
    expect(io.stderr[0]).toContain('refuses this (exit 64); add --allow-decrease');
    expect(dryRun({ plan: { ...down, allowDecrease: true }, target: 'http://t', json: false, interactive: false, resume: null, io: captureIo() })).toBe(ExitCode.Ok);
    const tty = captureIo();
    expect(dryRun({ plan: down, target: 'http://t', json: true, interactive: true, resume: null, io: tty })).toBe(ExitCode.Ok);
    expect(JSON.parse(tty.stdout[0]!).decreases).toHaveLength(1);
    expect(tty.stderr[0]).toContain('the run asks before it starts');
  });

  it('through executeRun, touching nothing', async () => {
    const io = captureIo();
    expect(await executeRun(input(io, { plan: down, dryRun: true }))).toBe(ExitCode.Usage);
    expect(service.log).toHaveLength(0);
    expect(io.stdout[0]).toMatch(/step 1 +set ratio 0.6/);
  });
});

describe('--resume after Ctrl-C at 0.6 shows and runs the real remaining plan', () => {
  it('the dry run names the re-entered step, then the rest; the resume sets 0.3, 0.6, 1', async () => {
    const stop = new AbortController();
    service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && s.ratio === 0.6) stop.abort();
    };
    const first = captureIo();
    expect(await executeRun(input(first, { signal: stop.signal }))).toBe(ExitCode.Interrupted);
    service.onRequest = undefined;
    const runId = first.stderr.join('\n').match(/continue with: streamctl cutover --resume (\S+)/)![1]!;
    expect(service.ratio).toBe(0);

    const preview = captureIo();
    expect(await executeRun(input(preview, { resume: runId, plan: null, dryRun: true }))).toBe(ExitCode.Ok);
    const text = preview.stdout.join('\n');
    expect(text).toContain(`resume of ${runId} against ${service.url}`);
    expect(text).toContain('the ratio reads 0: step 2 (ratio 0.6) was planned from 0.3, so the run re-enters step 1 (ratio 0.3)');
    expect(text).toContain('passed: gate 1 (consistency), step 1 (ratio 0.3)');
    expect(text).toMatch(/next +step 1 \(ratio 0.3\): set ratio 0.3 again, the last ratio that passed, observe 5m\n +step 2 \(ratio 0.6\): set ratio 0.6, observe 5m\n +step 3 \(ratio 1\): set ratio 1, observe 5m/);
    expect(text).toContain('remaining observation time: 15m');

    // The resume's confirmation question on a terminal says the same, in one line.
    const state = foldRecords(await new FileJournal<RunRecord>(dataDir).read(runId))!;
    const question = resumeSummary((await previewResume(runId, state, [], { getRatio: async () => 0 }))!);
    expect(question).toBe('the ratio is 0 now; ratio 0.3 again (the last ratio that passed) -> 0.6 -> 1 over 15m');

    service.log.length = 0;
    const io = captureIo();
    expect(await executeRun(input(io, { resume: runId, plan: null }))).toBe(ExitCode.Ok);
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
    expect(io.stdout.join('\n')).toContain('resuming at ratio 0; step 2 (ratio 0.6) was planned from 0.3, so the run re-enters step 1 (ratio 0.3)');
  });
});

describe('what the operator reads', () => {
  const at = (s: number) => new Date(Date.parse('2025-01-01T12:00:00.000Z') + s * 1000).toISOString();
  const ctx = { plan: cutover, startedAtMs: Date.parse(at(0)), then: null };

  it('event lines say "gate" and "step", with elapsed time and ETA', () => {
    expect(eventLine({ type: 'run_started', at: at(0), runId: 'r', plan: cutover, target: 'http://t', holder: 'h', version: 1 }, undefined, ctx)).toBe('12:00:00 run r started: "cutover", 3 steps and 1 gate against http://t');
    expect(eventLine({ type: 'gate', at: at(1), index: 0, gate: 'consistency', result: 'consistent', summary: '0 missing' }, undefined, ctx)).toBe('12:00:01 gate 1 (consistency): consistent (0 missing)');
    expect(eventLine({ type: 'ratio_set', at: at(300), index: 2, requested: 0.6, old: 0.3, readBack: 0.6 }, undefined, ctx)).toBe('12:05:00 step 2: ratio 0.3 -> 0.6, reads back 0.6');
    expect(eventLine({ type: 'step_started', at: at(300), index: 2, ratio: 0.6, samples: 5 }, undefined, ctx)).toBe('12:05:00 step 2: observing ratio 0.6, 5 samples; elapsed 5m, about 10m left');
    expect(eventLine({ type: 'step_passed', at: at(600), index: 2, ratio: 0.6 }, undefined, ctx)).toBe('12:10:00 step 2: passed; elapsed 10m, about 5m left');
    expect(eventLine({ type: 'step_passed', at: at(1), index: 0, ratio: null }, undefined, ctx)).toBe('12:00:01 gate 1: passed; elapsed 1s, about 15m left');
    expect(eventLine({ type: 'run_ended', at: at(900), outcome: 'completed', exitCode: 0, reason: 'done', index: 3 }, undefined, ctx)).toBe('12:15:00 run ended: completed (exit 0) after 15m: done');
    expect(spinnerText('step 2/3: ratio 0.6', 10_000, 4_100, null, 'elapsed 5m, about 10m left')).toBe('step 2/3: ratio 0.6, next sample in 6s | elapsed 5m, about 10m left');
  });

  it('the step lines and table name gates and steps apart', () => {
    const lines = stepLines(summariseSteps(cutover, []));
    expect(lines).toEqual(['gate 1 consistency: not run', 'step 1 ratio 0.3: not run, 0/5 samples, worst error rate -, worst p95 -', 'step 2 ratio 0.6: not run, 0/5 samples, worst error rate -, worst p95 -', 'step 3 ratio 1: not run, 0/5 samples, worst error rate -, worst p95 -']);
  });

  it('the manual gate prompt says which gate, what to press, and what Ctrl-C does', () => {
    expect(gatePrompt({ name: 'gate 2', message: 'look at the dashboards.' })).toBe('paused at gate 2: look at the dashboards. Enter to continue, Ctrl-C to abort (restores the starting ratio) ');
  });

  it('status shows a run waiting at a gate as paused, where it is, elapsed and the time left', () => {
    const run: LatestRun = {
      runId: 'four-week-1', scenario: 'four-week', target: 'http://t', startedAt: at(0), lastRecordAt: at(300), outcome: 'paused', exitCode: null,
      reason: 'waiting at gate 1 (manual) since ...', step: 2, steps: 3, stepList: [], position: 'gate 1 (manual)', elapsedMs: 420_000, remainingMs: 300_000, gatesLeft: 1,
    };
    const doc = { target: 'http://t', at: at(420), health: { ok: false, error: 'x' }, ratio: { ok: true, value: 0.1 }, metrics: { ok: false, error: 'x' }, streams: { ok: false, error: 'x' }, audit: { ok: true, value: null }, latestRun: run } as StatusDoc;
    const text = statusLines(doc).join('\n');
    expect(text).toContain('latest run  four-week-1 ("four-week"): paused');
    // 80 columns: the start time at the end of the line is what gets cut.
    expect(text).toContain('  at gate 1 (manual), elapsed 7m, about 5m left (+1 gate); started 2025-01-01');
    expect(statusLines({ ...doc, latestRun: { ...run, outcome: 'completed', exitCode: 0, remainingMs: null, gatesLeft: 0 } }).join('\n')).toContain(', took 7m; started');
  });
});
