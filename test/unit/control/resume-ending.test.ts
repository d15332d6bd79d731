import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../src/control/records.js';
import { applyRecord, foldRecords } from '../../../src/control/state.js';
import { ExitCode } from '../../../src/shared/exit-code.js';
import type { MetricsScript } from '../../helpers/fake-service.js';
import { dyingJournal, flagsPlan, harness, ofType, type Harness } from './harness.js';

/**
 * Issue 18: `cutover --resume` after a crash between the rollback and its end record set
 * `0 -> 0.6` again (the step that had breached) and completed. A journal that shows an ending
 * decided but not recorded resumes by finishing that ending.
 */

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.close();
});

const breachingAt06: MetricsScript = ({ ratio }) => ({ stream: { requests: 200, error_rate: ratio >= 0.6 ? 5 : 0.1, p95_response_time: 20 } });
const healthy: MetricsScript = () => ({ stream: { requests: 200, error_rate: 0.1, p95_response_time: 20 } });
const plan = flagsPlan({ steps: [0.3, 0.6] });
const at = '2025-01-01T12:00:00.000Z';

/** Runs until the breach at 0.6 and dies on the first record `when` picks. */
async function crashAfterBreach(when: (record: RunRecord) => boolean): Promise<void> {
  h.service.metrics = breachingAt06;
  await expect(h.run(plan, 'run-1', { journal: dyingJournal(h.journal, when) })).rejects.toThrow('simulated crash');
  // By now the service is fine again: only the journal stops a resume from re-entering 0.6.
  h.service.metrics = healthy;
}

const ratioPosts = () => h.service.calls('POST', '/api/stream_traffic_ratio').map((c) => (c.body as { ratio: number }).ratio);

describe('resume after a crash between the breach and the end record', () => {
  it('rollback done, run_ended missing: verifies the ratio is 0 and records the end, never re-enters the step', async () => {
    await crashAfterBreach((r) => r.type === 'run_ended');
    expect((await h.records()).at(-1)).toMatchObject({ type: 'rollback', verified: true });
    expect(h.service.ratio).toBe(0);
    const posts = ratioPosts();

    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('rolled_back');
    expect(resumed.exitCode).toBe(ExitCode.CheckFailed);
    expect(resumed.reason).toContain('breach at step 2');
    expect(resumed.reason).toContain('finished by --resume');
    expect(resumed.reason).toContain('ratio verified 0');
    expect(h.service.ratio).toBe(0);
    // Nothing was set again: no `0 -> 0.6`, and no second rollback for a ratio that reads 0.
    expect(ratioPosts()).toEqual(posts);
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(1);
    const records = await h.records();
    expect(records.slice(-2).map((r) => r.type)).toEqual(['resumed', 'run_ended']);
  });

  it('breach decided, rollback never reached the service: the resume rolls back', async () => {
    await crashAfterBreach((r) => r.type === 'rollback');
    expect((await h.records()).at(-1)).toMatchObject({ type: 'decision', action: 'breach' });
    h.service.ratio = 0.6; // as if the process died before its rollback left
    const posts = ratioPosts();

    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('rolled_back');
    expect(h.service.ratio).toBe(0);
    expect(ratioPosts()).toEqual(posts);
    expect(h.service.calls('POST', '/api/emergency_rollback')).toHaveLength(2);
    expect(ofType(await h.records(), 'rollback').at(-1)).toMatchObject({ verified: true, ratioAfter: 0 });
  });

  it('a torn end record (a crash mid-write) neither swallows the resume\'s records nor passes unsaid', async () => {
    await crashAfterBreach((r) => r.type === 'run_ended');
    const path = join(h.dataDir, 'runs', 'run-1.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
    appendFileSync(path, '{"type":"run_ended","at":"2025-01-01T12:1'); // no newline: the process died here

    const resumed = await h.resume('run-1');
    expect(resumed.outcome).toBe('rolled_back');
    const records = await h.records();
    // The resume's own records are on lines of their own, readable after the fragment.
    expect(records.slice(-3).map((r) => r.type)).toEqual(['resumed', 'warning', 'run_ended']);
    expect(ofType(records, 'warning').at(-1)!.message).toContain(`journal line ${lines + 1} could not be read and was skipped`);
    expect(ratioPosts().filter((r) => r === 0.6)).toHaveLength(1);
  });
});

describe('what a journal tail means for resume (pure fold)', () => {
  const base: RunRecord[] = [
    { type: 'run_started', at, runId: 'r', plan, target: 'http://t', holder: 'r@h', version: 1 },
    { type: 'precheck', at, healthy: true, status: 'healthy', skipped: false },
    { type: 'start_ratio', at, ratio: 0.1 },
    { type: 'ratio_set', at, index: 0, requested: 0.3, old: 0.1, readBack: 0.3 },
    { type: 'step_started', at, index: 0, ratio: 0.3, samples: 5 },
  ];
  const resumed = (records: RunRecord[]) => applyRecord(foldRecords(records)!, { type: 'resumed', at, holder: 'r@h2' });
  const decision = (action: 'breach' | 'stop_error' | 'stop_inconclusive' | 'continue'): RunRecord => ({ type: 'decision', at, index: 0, action, reason: 'why' });

  it('a breach without an end finishes as rolled back (or held under on_breach: hold)', () => {
    expect(resumed([...base, decision('breach')])).toMatchObject({ phase: 'finish', unfinishedEnd: { outcome: 'rolled_back', action: { kind: 'rollback' } } });
    const hold = [{ ...base[0]!, plan: { ...plan, onBreach: 'hold' } } as RunRecord, ...base.slice(1), decision('breach')];
    expect(resumed(hold)).toMatchObject({ phase: 'finish', unfinishedEnd: { outcome: 'held', action: { kind: 'none' } } });
  });

  it('a rollback without an end finishes as rolled back; a sparse stop returns to the last proven ratio', () => {
    const rollback: RunRecord = { type: 'rollback', at, index: 0, reason: 'setting ratio 0.3 failed', verified: false, ratioAfter: null, reply: null };
    expect(resumed([...base, rollback])).toMatchObject({ phase: 'finish', unfinishedEnd: { outcome: 'rolled_back', reason: 'setting ratio 0.3 failed' } });
    expect(resumed([...base, decision('stop_inconclusive')])).toMatchObject({ phase: 'finish', unfinishedEnd: { outcome: 'inconclusive', action: { kind: 'restore', ratio: 0.1 } } });
    expect(resumed([...base, decision('stop_error')])).toMatchObject({ phase: 'finish', unfinishedEnd: { outcome: 'error', action: { kind: 'rollback' } } });
  });

  it('a run that ended (even resumably) or only continued re-enters its step', () => {
    expect(resumed([...base, decision('continue')])).toMatchObject({ phase: 'precheck', unfinishedEnd: null });
    const ended: RunRecord = { type: 'run_ended', at, outcome: 'error', exitCode: 2, reason: 'x', index: 0 };
    expect(resumed([...base, decision('stop_error'), { type: 'rollback', at, index: 0, reason: 'x', verified: true, ratioAfter: 0, reply: null }, ended])).toMatchObject({ phase: 'precheck', unfinishedEnd: null });
  });
});

describe('the file journal after a torn line', () => {
  it('starts the next append on a line of its own and reports the fragment it skips', async () => {
    await h.journal.append('j', { type: 'warning', at, message: 'one' } as RunRecord);
    const path = join(h.dataDir, 'runs', 'j.jsonl');
    appendFileSync(path, '{"type":"warning","at":"20');
    // A fresh journal object, as after a restart: it cannot know the tail from its own writes.
    const { FileJournal } = await import('../../../src/adapters/file-journal.js');
    const again = new FileJournal<RunRecord>(h.dataDir);
    await again.append('j', { type: 'warning', at, message: 'two' } as RunRecord);
    await again.append('j', { type: 'warning', at, message: 'three' } as RunRecord);
    const skipped: unknown[] = [];
    const records = await again.read('j', (line) => skipped.push(line));
    expect(records.map((r) => (r as { message: string }).message)).toEqual(['one', 'two', 'three']);
    expect(skipped).toEqual([{ line: 2, bytes: 26, start: '{"type":"warning","at":"20' }]);
    writeFileSync(path, ''); // an empty journal needs no leading newline
    await new FileJournal<RunRecord>(h.dataDir).append('j', { type: 'warning', at, message: 'four' } as RunRecord);
    expect(readFileSync(path, 'utf8')).toMatch(/^\{.*\}\n$/);
  });
});
