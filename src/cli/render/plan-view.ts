import { formatDuration } from '../../shared/durations.js';
import { planDurationMs, samplesPerStep, type Plan, type Thresholds } from '../../control/plan.js';
import { shortStepName } from '../../control/step-names.js';

function thresholdText(t: Thresholds): string {
  const parts = [`error rate <= ${t.maxErrorRate}%`];
  if (t.maxP95Ms !== null) parts.push(`p95 <= ${t.maxP95Ms}ms`);
  if (t.maxP95Ratio !== null) parts.push(`p95 <= ${t.maxP95Ratio}x traditional`);
  parts.push(`min ${t.minRequests} requests/sample`);
  return parts.join(', ');
}

/** `scenario plan` and `--dry-run`: the steps, their checks, and the total duration. */
export function renderPlan(plan: Plan, target?: string): string {
  const lines = [`plan "${plan.name}"${target ? ` against ${target}` : ''}`];
  lines.push(`  pre-check: ${plan.precheck ? 'health must be healthy' : 'SKIPPED'}; on breach: ${plan.onBreach}`);
  const l = plan.limits;
  lines.push(`  limits per step: ${l.failureLimit} failures, ${l.inconclusiveLimit} inconclusive, ${l.consecutiveErrorLimit} consecutive errors tolerated`);
  plan.steps.forEach((step, i) => {
    const n = `  ${shortStepName(plan, i).padEnd(7)}`;
    if (step.kind === 'ratio') {
      lines.push(`${n} set ratio ${step.ratio} (${Math.round(step.ratio * 1000) / 10}%), observe ${formatDuration(step.observeMs)}, a sample every ${formatDuration(step.intervalMs)} (${samplesPerStep(step)} samples)`);
      lines.push(`          checks: ${thresholdText(step.thresholds)}`);
      if (step.load) {
        const l = step.load;
        const extras = [l.devices !== undefined ? `${l.devices} devices` : '', l.connections !== undefined ? `${l.connections} connections` : ''].filter(Boolean);
        lines.push(`          load: ${l.rate}/s on ${l.endpoint ?? '/upload_health_data_v2'}${extras.length ? ` (${extras.join(', ')})` : ''} for up to ${formatDuration(l.durationMs)}, stopped when the step ends`);
      }
    } else if (step.kind === 'pause') {
      lines.push(`${n} manual gate (waits for Enter on a terminal; pauses with exit 3 without one): ${step.message}`);
    } else {
      lines.push(`${n} consistency check gate`);
    }
  });
  if (plan.webhooks.length > 0) lines.push(`  webhooks: ${plan.webhooks.map((w) => `${w.url} (${w.events.join(',')})`).join('; ')}`);
  const gates = plan.steps.filter((s) => s.kind === 'pause').length;
  lines.push(`total observation time: ${formatDuration(planDurationMs(plan))}${gates > 0 ? ` plus ${gates} manual gate${gates > 1 ? 's' : ''}` : ''}`);
  return lines.join('\n');
}
