import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../src/control/plan.js';
import { JournalWriteError } from '../../../src/ports/journal.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import { failingJournal, flagsPlan, harness, ofType, type Harness } from './harness.js';

/**
 * Issue 18, kind 1: a fault in the controller itself (its journal's disk, an absurd duration, a
 * bug in what it calls) ends the run in the safe state, never with the ratio half moved.
 */
let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

/** Record numbers in a flags plan run (steps 0.3, 0.6, 1; no consistency gate). */
const FIRST_SAMPLE = 6; // run_started, precheck, start_ratio, ratio_set, step_started, sample

describe('a journal that cannot be written mid-run', () => {
  it('still puts the starting ratio back, says so, and exits 2 (EROFS at the first sample)', async () => {
    h.service.ratio = 0.05;
    const journal = failingJournal(h.journal, FIRST_SAMPLE);
    const result = await h.run(flagsPlan(), 'run-1', { journal });
    expect(h.service.ratio).toBe(0.05);
    expect(result.outcome).toBe('error');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.journalFault).toMatch(/EROFS/);
    expect(result.reason).toMatch(/ratio restored to 0.05/);
    expect(result.reason).toMatch(/THE JOURNAL COULD NOT BE WRITTEN \(.*EROFS/);
    // Loud: the fault is an event the CLI prints on stderr, at the moment it happens.
    expect(h.events.filter((e) => e.type === 'journal_fault')).toHaveLength(1);
    // What the journal could not take was still shown, up to the end.
    expect(h.events.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'error', exitCode: ExitCode.CouldNotRun });
    // The journal holds what came before the fault and nothing after (every later write was tried and failed).
    const records = await h.records();
    expect(records.map((r) => r.type)).toEqual(['run_started', 'precheck', 'start_ratio', 'ratio_set', 'step_started']);
    expect(journal.failed).toBeGreaterThanOrEqual(3); // sample, decision, restore, run_ended: best effort, each tried once
    expect(h.service.lease).toBeNull();
  });

  it('rolls back when the breach is the step it could not record (ratio reads 0)', async () => {
    h.service.ratio = 0.05;
    h.service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.3 ? 4.5 : 0.2, p95_response_time: 30 } });
    const result = await h.run(flagsPlan(), 'run-1', { journal: failingJournal(h.journal, FIRST_SAMPLE) });
    expect(result.outcome).toBe('rolled_back');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(h.service.ratio).toBe(0);
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(1);
    expect(result.reason).toMatch(/rolled back, ratio verified 0.*THE JOURNAL COULD NOT BE WRITTEN/);
  });

  it('refuses to start, touching nothing, when not even the first record can be written', async () => {
    await expect(h.run(flagsPlan(), 'run-1', { journal: failingJournal(h.journal, 1) })).rejects.toBeInstanceOf(JournalWriteError);
    expect(h.service.calls('POST', '/api/stream_traffic_ratio')).toHaveLength(0);
    expect(h.service.lease).toBeNull();
  });
});

describe('any other exception after the first ratio change', () => {
  it('absurd durations (observe and interval 1e13 s) restore the starting ratio and record the end', async () => {
    // What `observe: 1e13` became before durations were range-checked: past the largest Date.
    const base = flagsPlan({ steps: [0.3] });
    const step = base.steps.find((s) => s.kind === 'ratio')!;
    const plan: Plan = { ...base, steps: [{ ...step, observeMs: 1e16, intervalMs: 1e16 }] };
    h.service.ratio = 0.19;
    const result = await h.run(plan);
    expect(h.service.ratio).toBe(0.19);
    expect(result.outcome).toBe('error');
    expect(result.exitCode).toBe(ExitCode.CouldNotRun);
    expect(result.reason).toMatch(/the controller failed \(RangeError: Invalid time value\); ratio restored to 0.19/);
    const records = await h.records();
    expect(ofType(records, 'ratio_set')[0]).toMatchObject({ requested: 0.3 });
    expect(ofType(records, 'restore')[0]).toMatchObject({ ratio: 0.19, verified: true });
    expect(records.at(-1)).toMatchObject({ type: 'run_ended', outcome: 'error' });
    expect(h.service.lease).toBeNull();
  });

  it('a fault in what the engine calls (here its view) restores the starting ratio', async () => {
    h.service.ratio = 0.1;
    const result = await h.run(flagsPlan(), 'run-1', {
      onEvent: (event) => {
        if (event.type === 'ratio_set') throw new TypeError('view exploded');
      },
    });
    expect(result.reason).toMatch(/TypeError: view exploded/);
    expect(h.service.ratio).toBe(0.1);
  });

  it('never turns a rollback already done into a restore of the starting ratio', async () => {
    h.service.ratio = 0.05;
    h.service.metrics = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.3 ? 4.5 : 0.2, p95_response_time: 30 } });
    const result = await h.run(flagsPlan(), 'run-1', {
      onEvent: (event) => {
        if (event.type === 'rollback') throw new Error('view exploded after the rollback');
      },
    });
    expect(h.service.ratio).toBe(0);
    expect(result.outcome).toBe('error');
    expect(h.service.calls('POST', '/api/stream_traffic_ratio').map((c) => (c.body as { ratio: number }).ratio)).toEqual([0.3]);
  });
});
