import type { LoadSummary } from '../ports/load-runner.js';
import { samplesPerStep, type Plan } from './plan.js';
import type { RunRecord } from './records.js';
import { shortStepName } from './step-names.js';

export type StepVerdict = 'passed' | 'breached' | 'inconclusive' | 'error' | 'aborted' | 'waiting' | 'skipped' | 'not run' | 'running';

/** One row of the final per-step table. */
export interface StepSummary {
  index: number;
  /** `gate 1`, `step 2` (step-names.ts): gates and ratio steps are counted apart. */
  name?: string;
  kind: 'ratio' | 'pause' | 'check';
  /** The ratio for ratio steps, else a label (`manual gate`, `consistency`). */
  label: string;
  ratio: number | null;
  samples: number;
  plannedSamples: number;
  worstErrorRate: number | null;
  worstP95Ms: number | null;
  verdict: StepVerdict;
  /** What the step's `load:` did, when it had one. */
  load?: LoadSummary;
}

/** Folds a run's journal into per-step rows (pure; the CLI turns them into a table). */
export function summariseSteps(plan: Plan, records: RunRecord[]): StepSummary[] {
  const rows: StepSummary[] = plan.steps.map((step, index) => ({
    index,
    name: shortStepName(plan, index),
    kind: step.kind,
    label: step.kind === 'ratio' ? String(step.ratio) : step.kind === 'pause' ? 'manual gate' : 'consistency',
    ratio: step.kind === 'ratio' ? step.ratio : null,
    samples: 0,
    plannedSamples: step.kind === 'ratio' ? samplesPerStep(step) : 0,
    worstErrorRate: null,
    worstP95Ms: null,
    verdict: 'not run',
  }));
  for (const record of records) {
    const row = 'index' in record ? rows[record.index] : undefined;
    if (!row) continue;
    switch (record.type) {
      case 'step_started':
        // A resumed step starts over; its table row shows the last attempt.
        Object.assign(row, { samples: 0, worstErrorRate: null, worstP95Ms: null, verdict: 'running' });
        delete row.load;
        break;
      case 'load_stopped':
        row.load = record.summary;
        break;
      case 'sample': {
        row.samples++;
        const f = record.sample.figures;
        if (f && (f.streamRequests ?? 0) > 0) {
          if (f.errorRate !== null) row.worstErrorRate = Math.max(row.worstErrorRate ?? 0, f.errorRate);
          if (f.p95Ms !== null) row.worstP95Ms = Math.max(row.worstP95Ms ?? 0, f.p95Ms);
        }
        break;
      }
      case 'gate':
        row.verdict = record.result === 'skipped' ? 'skipped' : record.result === 'waiting' ? 'waiting' : row.verdict;
        break;
      case 'step_passed':
        if (row.verdict !== 'skipped') row.verdict = 'passed';
        break;
      case 'step_not_passed':
        row.verdict = 'inconclusive';
        break;
      case 'decision':
        if (record.action === 'breach') row.verdict = 'breached';
        break;
      case 'run_ended':
        if (row.verdict === 'running') {
          row.verdict = record.outcome === 'aborted' ? 'aborted' : record.outcome === 'inconclusive' ? 'inconclusive' : record.outcome === 'error' ? 'error' : row.verdict;
        }
        if (record.outcome === 'inconclusive' && row.kind === 'check') row.verdict = 'inconclusive';
        if (record.outcome === 'error' && row.verdict === 'not run' && row.kind === 'check') row.verdict = 'error';
        break;
    }
  }
  return rows;
}
