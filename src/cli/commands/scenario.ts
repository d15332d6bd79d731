import type { Command } from 'commander';
import { processIo } from '../control/io.js';
import { jsonDocument } from '../render/snake-json.js';

const EXAMPLE = `
Example:
  $ streamctl scenario validate scenarios/cutover.yaml
  scenarios/cutover.yaml: valid (4 steps, 15m of observation)
  $ streamctl scenario plan scenarios/four-week.yaml
  $ streamctl scenario plan scenarios/canary.yaml --json

Exit codes: 0 valid, 64 invalid (each problem printed as field path: message).`;

export function defineScenario(program: Command): void {
  const scenario = program.command('scenario').description('Check and explain YAML scenarios.').addHelpText('after', EXAMPLE);

  scenario
    .command('validate')
    .description('Validate a scenario file: schema, then cross-field rules.')
    .argument('<file>', 'scenario file')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (file: string, options: { json?: boolean }) => {
      const io = processIo();
      const { loadScenario } = await import('../../scenario/load-scenario.js');
      const { ScenarioError } = await import('../../scenario/issues.js');
      const { planDurationMs } = await import('../../control/plan.js');
      const { formatDuration } = await import('../../shared/durations.js');
      try {
        const plan = await loadScenario(file);
        if (options.json) io.out(jsonDocument({ file, valid: true, steps: plan.steps.length, totalMs: planDurationMs(plan) }));
        else io.out(`${file}: valid (${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${formatDuration(planDurationMs(plan))} of observation)`);
      } catch (error) {
        if (options.json && error instanceof ScenarioError) {
          io.out(jsonDocument({ file, valid: false, issues: error.issues }));
          process.exitCode = error.exitCode;
          return;
        }
        throw error;
      }
    });

  scenario
    .command('plan')
    .description('Print the steps of a scenario and its total duration.')
    .argument('<file>', 'scenario file')
    .option('--json', 'print the plan as JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (file: string, options: { json?: boolean }) => {
      const io = processIo();
      const { loadScenario } = await import('../../scenario/load-scenario.js');
      const { renderPlan } = await import('../render/plan-view.js');
      const { planDurationMs } = await import('../../control/plan.js');
      const { redactPlan } = await import('../../control/plan-redaction.js');
      // Shown redacted, as in the journal: webhook header values, URL credentials and query values.
      const plan = redactPlan(await loadScenario(file));
      io.out(options.json ? jsonDocument({ file, plan, totalMs: planDurationMs(plan) }) : renderPlan(plan, plan.target));
    });
}
