import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, RatioStep } from '../../../src/control/plan.js';
import { latestRunOf } from '../../../src/control/status.js';
import type { DecreaseApproval } from '../../../src/ports/decrease-approval.js';
import type { GateQuestion, ManualGate } from '../../../src/ports/manual-gate.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { flagsPlan, harness, ofType, type Harness } from './harness.js';

/**
 * Issue 11, the run: stepping down is a decision; a resume never jumps further than a planned
 * step; a manual gate says what to press and shows as paused meanwhile; gates and ratio steps are
 * numbered apart. The engine on the fake clock against the fake service.
 */

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const ratioPosts = () => h.service.calls('POST', '/api/stream_traffic_ratio').map((c) => (c.body as { ratio: number }).ratio);
/** `--steps 0.3,0.6,1.0` with the consistency gate first, as `cutover` plans it. */
const cutover = flagsPlan({ steps: [0.3, 0.6, 1], skipConsistency: false });
const approval = (answer: 'approved' | 'declined'): DecreaseApproval & { asked: string[][] } => {
  const asked: string[][] = [];
  return { asked, ask: async (warnings) => (asked.push(warnings), answer) };
};

describe('stepping down is a decision (issue 11: at ratio 1, --steps 0.3,0.6,1.0 set 0.3 without a word)', () => {
  it('without anyone to ask, a first step below the current ratio is refused: exit 64, nothing set', async () => {
    h.service.ratio = 1;
    const result = await h.run(cutover);
    expect(result.outcome).toBe('refused');
    expect(result.exitCode).toBe(ExitCode.Usage);
    expect(result.reason).toContain('step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3: 70% of traffic back');
    expect(result.reason).toContain('--allow-decrease');
    expect(ratioPosts()).toEqual([]);
    expect(h.service.ratio).toBe(1);
    // Refused before the consistency gate ran, and the run cannot be resumed into it.
    expect(ofType(await h.records(), 'gate')).toEqual([]);
    await expect(h.resume('run-1')).rejects.toThrow('already ended (refused)');
  });

  it('steps that decrease within the plan are refused from ratio 0 too', async () => {
    const result = await h.run(flagsPlan({ steps: [0.6, 0.3] }));
    expect(result.exitCode).toBe(ExitCode.Usage);
    expect(result.reason).toContain('step 2 (ratio 0.3) lowers the ratio from 0.6 (step 1 (ratio 0.6)) to 0.3');
    expect(ratioPosts()).toEqual([]);
  });

  it('--allow-decrease (allowDecrease) goes on, with the move back journalled as a warning', async () => {
    h.service.ratio = 1;
    const result = await h.run({ ...cutover, allowDecrease: true });
    expect(result.outcome).toBe('completed');
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
    expect(ofType(await h.records(), 'warning')[0]!.message).toMatch(/^moving traffic back, allowed by --allow-decrease: step 1 \(ratio 0.3\) lowers/);
  });

  it('on a terminal it asks: yes goes on, no is refused with nothing set', async () => {
    h.service.ratio = 1;
    const yes = approval('approved');
    expect((await h.run(cutover, 'run-1', { decreaseApproval: yes })).outcome).toBe('completed');
    expect(yes.asked).toEqual([['step 1 (ratio 0.3) lowers the ratio from 1 (the current ratio) to 0.3: 70% of traffic back to the traditional path']]);
    expect(ofType(await h.records(), 'warning')[0]!.message).toContain('approved at the terminal');

    h.service.ratio = 1;
    h.service.log.length = 0;
    const no = await h.run(cutover, 'run-2', { decreaseApproval: approval('declined') });
    expect(no.outcome).toBe('refused');
    expect(no.reason).toContain('declined at the terminal');
    expect(ratioPosts()).toEqual([]);
  });

  it('going up from where the ratio is asks nothing', async () => {
    const asked = approval('declined');
    expect((await h.run(cutover, 'run-1', { decreaseApproval: asked })).outcome).toBe('completed');
    expect(asked.asked).toEqual([]);
  });
});

describe('a resume re-enters at the last passed ratio (issue 11: Ctrl-C at 0.6, then --resume set 0 -> 0.6)', () => {
  it('Ctrl-C at step 2 (0.6) restores 0; the resume sets 0.3 again, observes it in full, then 0.6 and 1', async () => {
    h.service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && s.ratio === 0.6) h.controller.abort();
    };
    const aborted = await h.run(cutover);
    expect(aborted.outcome).toBe('aborted');
    expect(h.service.ratio).toBe(0);
    h.service.onRequest = undefined;
    h.service.log.length = 0;

    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('completed');
    expect(ratioPosts()).toEqual([0.3, 0.6, 1]);
    const records = await h.records();
    const point = ofType(records, 'resume_point')[0]!;
    expect(point).toMatchObject({ ratio: 0, index: 1, then: 2 });
    expect(point.reason).toContain('re-enters step 1 (ratio 0.3), the last ratio that passed');
    // The re-entered step was observed in full, then the run went on where it stood; the gate was not run again.
    const afterResume = records.slice(records.findIndex((r) => r.type === 'resumed'));
    expect(ofType(afterResume, 'step_started').map((r) => [r.index, r.ratio])).toEqual([[1, 0.3], [2, 0.6], [3, 1]]);
    expect(ofType(afterResume, 'sample').filter((r) => r.index === 1)).toHaveLength(5);
    expect(ofType(afterResume, 'gate')).toEqual([]);
    // No move bigger than the plan's largest (0.4, from 0.6 to 1).
    const path = [0, ...ratioPosts()];
    const moves = path.slice(1).map((r, i) => Math.abs(r - path[i]!));
    expect(Math.max(...moves)).toBeLessThanOrEqual(0.4 + 1e-9);
  });

  it('a crash that left the ratio at the step in flight goes on with that step, setting nothing lower', async () => {
    h.service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && s.ratio === 0.6) h.controller.abort();
    };
    await h.run(cutover);
    h.service.onRequest = undefined;
    h.service.ratio = 0.6; // as if the process had died there instead of restoring
    h.service.log.length = 0;
    expect((await h.resume('run-1')).outcome).toBe('completed');
    expect(ratioPosts()).toEqual([0.6, 1]);
    expect(ofType(await h.records(), 'resume_point')[0]).toMatchObject({ ratio: 0.6, index: 2, then: null });
  });
});

describe('a manual gate on a terminal', () => {
  const step = (ratio: number): RatioStep => ({ ...(flagsPlan().steps[0] as RatioStep), ratio, observeMs: 120_000 });
  const gated: Plan = { ...flagsPlan(), steps: [{ kind: 'check', check: 'consistency' }, step(0.1), { kind: 'pause', message: 'look at the dashboards' }, step(0.5)] };

  it('is asked as "gate 2" and shows as paused in status while it waits, then continues', async () => {
    const asked: GateQuestion[] = [];
    let during: Awaited<ReturnType<typeof latestRunOf>> = null;
    const gate: ManualGate = {
      async wait(question) {
        asked.push(question);
        await h.clock.sleep(90_000);
        during = await latestRunOf(h.journal, h.clock.now());
        return 'continue';
      },
    };
    const result = await h.run(gated, 'run-1', { manualGate: gate });
    expect(result.outcome).toBe('completed');
    expect(asked).toEqual([{ name: 'gate 2', message: 'look at the dashboards' }]);
    expect(during).toMatchObject({ outcome: 'paused', exitCode: null, position: 'gate 2 (manual)', remainingMs: 120_000, gatesLeft: 1 });
    expect(during!.reason).toContain('waiting at gate 2 (manual)');
    expect(during!.reason).toContain('look at the dashboards');
    expect(during!.reason).toContain('Enter in the terminal of run-1@test continues it');
    expect(ofType(await h.records(), 'gate').map((g) => [g.gate, g.result])).toEqual([['consistency', 'consistent'], ['manual', 'waiting'], ['manual', 'approved']]);
    const after = await latestRunOf(h.journal, h.clock.now());
    expect(after).toMatchObject({ outcome: 'completed', remainingMs: null });
    expect(after!.elapsedMs).toBeGreaterThanOrEqual(120_000 + 90_000 + 120_000);
  });

  it('off a terminal it pauses (exit 3) naming the gate, and status says paused', async () => {
    const result = await h.run(gated);
    expect(result.outcome).toBe('paused');
    expect(result.reason).toBe('paused at gate 2 (manual): look at the dashboards; ratio stays 0.1');
    expect(await latestRunOf(h.journal, h.clock.now())).toMatchObject({ outcome: 'paused', exitCode: 3 });
  });
});

describe('gates and ratio steps are numbered apart in reasons', () => {
  it('a breach at 0.6 is at "step 2 (ratio 0.6)", not step 3', async () => {
    h.service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.6 ? 5 : 0.1, p95_response_time: 20 } });
    const result = await h.run(cutover);
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(/^breach at step 2 \(ratio 0.6\), sample 1\/5: /);
  });

  it('status during a run: where it is, elapsed and the planned time left', async () => {
    await h.run(cutover);
    const records = await h.records();
    // The journal as `status` in another terminal read it at step 2's first sample.
    const upTo = records.slice(0, records.findIndex((r) => r.type === 'sample' && r.index === 2) + 1);
    const journal = { list: async () => ['run-1'], read: async () => upTo, append: async () => undefined };
    const seen = await latestRunOf(journal, Date.parse(upTo.at(-1)!.at));
    expect(seen).toMatchObject({ outcome: 'running or crashed', position: 'step 2 (ratio 0.6)', gatesLeft: 0 });
    // One sample (60 s) into step 2 after step 1 (5 min): 4 min of step 2 and 5 of step 3 are left.
    expect(seen!.elapsedMs).toBe(360_000);
    expect(seen!.remainingMs).toBe(540_000);
  });
});
