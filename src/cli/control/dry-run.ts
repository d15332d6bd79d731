import { decreaseText, findDecreases } from '../../control/decrease.js';
import { planDurationMs, type Plan } from '../../control/plan.js';
import { redactPlan } from '../../control/plan-redaction.js';
import { ExitCode } from '../../shared/exit-code.js';
import { renderPlan } from '../render/plan-view.js';
import { renderResume, type ResumePreview } from '../render/resume-view.js';
import { jsonDocument } from '../render/snake-json.js';
import type { Io } from './io.js';

export interface DryRunInput {
  plan: Plan;
  target: string;
  json: boolean;
  /** A real run here could ask at the terminal (stdin and stderr a TTY, no --json). */
  interactive: boolean;
  /** With --resume: where the run would go on (resume-preview.ts); null for a new run or a decided ending. */
  resume: ResumePreview | null;
  io: Io;
}

/**
 * `--dry-run`: the plan (redacted as the journal is), or with `--resume` the steps still to come;
 * nothing is changed. Steps that lower the ratio within the plan are named (the current ratio is
 * not read: the run checks the first step against it when it starts). The exit code is the one
 * the run would end with before changing anything: 64 when it steps down, without
 * `--allow-decrease` and without a terminal to ask (issue 11: `--dry-run --steps 0.6,0.3` was
 * accepted); otherwise 0.
 */
export function dryRun(input: DryRunInput): number {
  const { plan, target, io } = input;
  // Printed plans are redacted as the journal is: header values, URL credentials and query values.
  const shown = redactPlan(plan);
  const decreases = input.resume ? [] : findDecreases(null, plan).map((d) => decreaseText(plan, d));
  const refused = decreases.length > 0 && plan.allowDecrease !== true && !input.interactive;
  if (input.json) {
    io.out(jsonDocument({
      type: 'plan', target, plan: shown, totalMs: planDurationMs(plan), decreases,
      ...(input.resume ? { resume: { ratio: input.resume.ratio, live: input.resume.live, ...input.resume.point, passed: input.resume.passed } } : {}),
    }));
  } else {
    io.out(`${input.resume ? renderResume(input.resume, target) : renderPlan(shown, target)}\n(dry run: nothing was changed)`);
  }
  if (decreases.length > 0) {
    const how = plan.allowDecrease === true ? 'allowed by --allow-decrease' : input.interactive ? 'the run asks before it starts' : 'a run without a terminal refuses this (exit 64); add --allow-decrease (allow_decrease: true in a scenario)';
    io.err(`warning: this plan moves traffic back to the traditional path (${how}):\n${decreases.map((d) => `  - ${d}`).join('\n')}`);
  }
  return refused ? ExitCode.Usage : ExitCode.Ok;
}
