import type { Notification } from '../ports/notifier.js';
import type { RunRecord } from './records.js';
import type { RunState } from './state.js';

/** Which journal records become webhook events (start, step, breach, rollback, done). Pure. */
export function notificationFor(record: RunRecord, state: RunState): Notification | null {
  const base = { runId: state.runId, at: record.at, target: state.target, scenario: state.plan.name };
  switch (record.type) {
    case 'run_started':
      return { kind: 'start', ...base, steps: state.plan.steps.length };
    case 'resumed':
      return { kind: 'start', ...base, resumed: true, step: state.stepIndex + 1 };
    case 'step_started':
      return { kind: 'step', ...base, step: record.index + 1, ratio: record.ratio, status: 'started' };
    case 'step_passed':
      return { kind: 'step', ...base, step: record.index + 1, ratio: record.ratio, status: 'passed' };
    case 'decision':
      return record.action === 'breach'
        ? { kind: 'breach', ...base, step: record.index + 1, check: record.check, value: record.value, threshold: record.threshold, reason: record.reason }
        : null;
    case 'rollback':
      return { kind: 'rollback', ...base, step: record.index + 1, verified: record.verified, ratioAfter: record.ratioAfter, reason: record.reason };
    case 'run_ended':
      return { kind: 'done', ...base, outcome: record.outcome, exitCode: record.exitCode, reason: record.reason };
    default:
      return null;
  }
}
