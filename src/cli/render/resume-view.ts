import type { Plan } from '../../control/plan.js';
import { runProgress } from '../../control/progress.js';
import { remainingSteps, type ResumePoint } from '../../control/reentry.js';
import { stepName } from '../../control/step-names.js';
import { formatDuration } from '../../shared/durations.js';

/** What a resume will do, worked out before it runs (reentry.ts): for the prompt and `--dry-run`. */
export interface ResumePreview {
  runId: string;
  plan: Pick<Plan, 'steps'>;
  /** The ratio read now (or, when it could not be read, the one the journal last recorded). */
  ratio: number;
  /** Whether `ratio` was read from the service now (false: from the journal). */
  live: boolean;
  point: ResumePoint;
  /** Steps already passed, by name (`gate 1 (consistency)`, `step 1 (ratio 0.3)`). */
  passed: string[];
}

function sequence(preview: ResumePreview): string[] {
  const { plan, point } = preview;
  return remainingSteps(plan, point).map((index, i) => {
    const step = plan.steps[index]!;
    const again = i === 0 && point.then !== null ? ' again (the last ratio that passed)' : '';
    return step.kind === 'ratio' ? `${step.ratio}${again}` : stepName(plan, index);
  });
}

function timeLeft(preview: ResumePreview): string {
  const p = runProgress(preview.plan, remainingSteps(preview.plan, preview.point), 0);
  return `${formatDuration(p.remainingMs)}${p.gatesLeft > 0 ? ` plus ${p.gatesLeft} gate${p.gatesLeft === 1 ? '' : 's'}` : ''}`;
}

/** `the ratio is 0 now; ratio 0.3 again (the last ratio that passed) -> 0.6 -> 1 over 10m` (issue 11: the prompt showed the whole plan). */
export function resumeSummary(preview: ResumePreview): string {
  const steps = sequence(preview);
  const now = `the ratio is ${preview.ratio}${preview.live ? ' now' : ' (as last recorded)'}`;
  return steps.length === 0 ? `${now}; no step left` : `${now}; ratio ${steps.join(' -> ')} over ${timeLeft(preview)}`;
}

/** `--dry-run --resume`: the steps still to come, the re-entered one first. */
export function renderResume(preview: ResumePreview, target: string): string {
  const { plan, point } = preview;
  const lines = [`resume of ${preview.runId} against ${target}`];
  lines.push(`  ${preview.live ? 'the ratio reads' : 'the journal last recorded ratio'} ${preview.ratio}: ${point.reason.replace(/^ratio [^;]*; /, '')}`);
  if (preview.passed.length > 0) lines.push(`  passed: ${preview.passed.join(', ')}`);
  remainingSteps(plan, point).forEach((index, i) => {
    const step = plan.steps[index]!;
    const again = i === 0 && point.then !== null ? ' again, the last ratio that passed' : '';
    const what = step.kind === 'ratio' ? `set ratio ${step.ratio}${again}, observe ${formatDuration(step.observeMs)}` : step.kind === 'pause' ? `manual gate: ${step.message}` : 'consistency check';
    lines.push(`  ${i === 0 ? 'next' : '    '}  ${stepName(plan, index)}: ${what}`);
  });
  lines.push(`remaining observation time: ${timeLeft(preview)}`);
  return lines.join('\n');
}
