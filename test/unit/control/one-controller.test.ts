import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/control/controller.js';
import type { Plan, RatioStep } from '../../../src/control/plan.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import type { ManualGate } from '../../../src/ports/manual-gate.js';
import { flagsPlan, harness, ofType, type Harness } from './harness.js';

/**
 * Issue 18, kind 2: two controllers started against one target, in every order the reports
 * describe, never both change the ratio. The fake service holds the lease on its own (true)
 * clock; the controller's fake clock can step its wall time apart from its monotonic time.
 */

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const ratioStep = (ratio: number, observeMs = 60_000): RatioStep => ({ ...(flagsPlan().steps[0] as RatioStep), ratio, observeMs, intervalMs: 60_000 });
const gated: Plan = { ...flagsPlan(), steps: [ratioStep(0.1), { kind: 'pause', message: 'look at the dashboards' }, ratioStep(0.5)] };
/** The second operator's `cutover --steps 0.9`. */
const second = () => flagsPlan({ steps: [0.9], observeMs: 60_000 });

/** Who set the ratio: the run id in each ratio POST's reason (`streamctl <run-id> step n`). */
function ratioSetters(): string[] {
  return h.service.calls('POST', '/api/stream_traffic_ratio').map((c) => String((c.body as { reason?: string }).reason).split(' ')[1]!);
}

describe('a manual gate that outlives the lease TTL', () => {
  it('keeps the lease while the human thinks: a second run during the gate is refused, the first goes on', async () => {
    let other: RunResult | undefined;
    const gate: ManualGate = {
      async wait() {
        await h.clock.sleep(70_000); // 70 s at the prompt, TTL 60 s
        other = await h.run(second(), 'run-2');
        return 'continue';
      },
    };
    const first = await h.run(gated, 'run-1', { manualGate: gate });
    expect(other!.outcome).toBe('lease_held');
    expect(other!.reason).toContain('run-1@test');
    expect(await h.records('run-2')).toEqual([]);
    expect(first.outcome).toBe('completed');
    expect(h.service.ratio).toBe(0.5);
    expect(new Set(ratioSetters())).toEqual(new Set(['run-1']));
  });

  it('a lease that lapsed during the gate (renewals failing) is never trusted again: Enter changes nothing', async () => {
    let other: RunResult | undefined;
    const gate: ManualGate = {
      async wait() {
        h.service.failNext.set('POST /api/lease', 1_000); // the lease keeper is unreachable for 90 s
        await h.clock.sleep(90_000);
        h.service.failNext.delete('POST /api/lease');
        other = await h.run(second(), 'run-2');
        return 'continue';
      },
    };
    const first = await h.run(gated, 'run-1', { manualGate: gate });
    expect(other!.outcome).toBe('completed');
    expect(first.outcome).toBe('lease_lost');
    expect(first.exitCode).toBe(ExitCode.Inconclusive);
    expect(first.reason).toContain('the lease lapsed');
    expect(first.reason).toContain('stopped at the manual gate (gate 1), the ratio was left at 0.1');
    // The second run's 0.9 stands: the first never moved it.
    expect(h.service.ratio).toBe(0.9);
    expect(ratioSetters()).toEqual(['run-1', 'run-2']);
    expect(ofType(await h.records('run-1'), 'warning').some((w) => w.message.startsWith('lease renewal failed'))).toBe(true);
  });
});

describe('the wall clock steps back 120 s during a run (NTP)', () => {
  it('neither stalls the run nor lets its lease expire: a second run is refused, the first completes on time', async () => {
    h.clock.after(30_000, () => h.clock.stepWall(-120_000));
    let other: RunResult | undefined;
    h.clock.after(150_000, async () => {
      other = await h.run(second(), 'run-2');
    });
    const first = await h.run(flagsPlan({ steps: [0.3, 0.6], observeMs: 120_000 }), 'run-1');
    expect(other!.outcome).toBe('lease_held');
    expect(first.outcome).toBe('completed');
    expect(h.service.ratio).toBe(0.6);
    // 2 steps x 120 s, no two-minute stall.
    expect(h.clock.slept).toBe(240_000);
    expect(new Set(ratioSetters())).toEqual(new Set(['run-1']));
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(0);
  });

  it('a forward step (or a suspended machine) the target vouches for does not end the run', async () => {
    h.clock.after(30_000, () => h.clock.stepWall(10 * 60_000));
    const first = await h.run(flagsPlan({ steps: [0.3], observeMs: 120_000 }), 'run-1');
    expect(first.outcome).toBe('completed');
  });
});

describe('a second run while the first is alive', () => {
  it('is refused whenever it starts, and never touches the ratio', async () => {
    const others: RunResult[] = [];
    for (const at of [10_000, 90_000, 170_000]) h.clock.after(at, async () => void others.push(await h.run(second(), `run-at-${at}`)));
    const first = await h.run(flagsPlan({ steps: [0.3, 0.6], observeMs: 120_000 }), 'run-1');
    expect(others.map((o) => o.outcome)).toEqual(['lease_held', 'lease_held', 'lease_held']);
    expect(first.outcome).toBe('completed');
    expect(new Set(ratioSetters())).toEqual(new Set(['run-1']));
  });

  it('a run that sees another hand on the ratio rolls back only if the lease is still its own', async () => {
    // Another controller took the lease (its holder's renewals had stopped) and set 0.9, just
    // before the first run's sample: drift is a breach, but the rollback is not the first run's to do.
    let ratioReads = 0;
    h.service.onRequest = (method, path, s) => {
      if (method === 'GET' && path === '/api/stream_traffic_ratio' && ++ratioReads === 3) {
        s.lease = { holder: 'run-2@elsewhere', expiresAt: h.clock.trueNow() + 600_000 };
        s.ratio = 0.9;
      }
    };
    const first = await h.run(flagsPlan({ steps: [0.3], observeMs: 180_000 }), 'run-1');
    expect(first.outcome).toBe('lease_lost');
    expect(first.reason).toContain('the ratio was NOT rolled back (this run last set 0.3');
    expect(first.reason).toContain('run-2@elsewhere');
    expect(h.service.ratio).toBe(0.9);
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(0);
    expect(ofType(await h.records('run-1'), 'decision').at(-1)).toMatchObject({ action: 'breach', check: 'ratio_drift' });
  });
});
