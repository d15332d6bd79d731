import type { Command } from 'commander';
import { addConnectionOptions, targetChosen, type ConnectionFlags } from '../control/connection.js';
import { processIo } from '../control/io.js';

interface RunOptions extends ConnectionFlags {
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  resume?: string;
  allowDecrease?: boolean;
}

const EXAMPLE = `
Example:
  $ streamctl run scenarios/cutover.yaml --target http://10.0.0.5:5225 --yes
  $ streamctl run scenarios/four-week.yaml                 # stops at each manual gate off a terminal (exit 3)
  $ streamctl run scenarios/four-week.yaml --resume four-week-20250101T120000Z-1a2b
  $ streamctl run scenarios/rehearsal.yaml --yes           # against \`streamctl serve --enable-chaos\`, with its own load

Scenario format (YAML; every error names its field, e.g. steps[2].observe, and exits 64):
  name: cutover
  target: http://127.0.0.1:5225      # optional; --target / STREAMCTL_TARGET win
  observe: 5m                        # default per ratio step
  interval: 60s
  thresholds: { max_error_rate: 1, max_p95_ms: 500, max_p95_ratio: 2, min_requests: 20 }
  limits: { failure_limit: 0, inconclusive_limit: 1, consecutive_error_limit: 2 }
  on_breach: rollback                # or hold
  allow_decrease: false              # true: steps may lower the ratio without asking (else asked on a terminal, refused without one, exit 64)
  webhooks: [{ url: https://hooks.example/x, events: [start, step, breach, rollback, done], timeout: 5s, retries: 2 }]
  steps:
    - check: consistency
    - ratio: 0.3
      thresholds: { max_p95_ms: 800 }  # per-step override
    - pause: manual
      message: look at the dashboards
    - ratio: 1.0
      observe: 10m
      # optional: open-loop load for this step (as \`streamctl load\`), stopped when the step ends;
      # its accepted rate, p95 and errors go to the journal. duration >= the step's observe.
      load: { rate: 200, duration: 10m, devices: 1000, connections: 32, endpoint: /upload_health_data }

A manual gate on a terminal says "paused at gate N: <message>. Enter to continue, Ctrl-C to
abort"; \`streamctl status\` elsewhere shows the run paused meanwhile.

Exit codes: as for cutover; 3 also when paused at a manual gate.`;

export function defineRun(program: Command): void {
  const command = program
    .command('run')
    .description('Run a YAML scenario with the cutover engine.')
    .argument('[scenario]', 'scenario file (not needed with --resume)')
    .option('--dry-run', 'print the plan and exit')
    .option('--yes', 'do not ask for confirmation on a terminal')
    .option('--allow-decrease', 'let steps lower the ratio (move traffic back) without asking (as allow_decrease: true)')
    .option('--json', 'JSON lines of events on stdout, nothing else')
    .option('--resume <run-id>', 'continue a paused, crashed or interrupted run');
  addConnectionOptions(command);
  command.addHelpText('after', EXAMPLE).action(async (file: string | undefined, options: RunOptions, cmd: Command) => {
    const { UsageError } = await import('../../shared/errors.js');
    if (!file && !options.resume) throw new UsageError('run: give a scenario file, e.g. streamctl run scenarios/cutover.yaml');
    const { loadScenario } = await import('../../scenario/load-scenario.js');
    // With --resume the journal's plan is what runs; the file is validated, and gives the
    // journal's webhooks back the secrets the journal does not keep (plan-redaction.ts).
    const plan = file ? await loadScenario(file) : null;
    const { executeRun } = await import('../control/execute-run.js');
    process.exitCode = await executeRun({
      plan, ...(options.resume ? { resume: options.resume } : {}),
      conn: options, targetChosen: targetChosen(cmd),
      json: options.json === true, yes: options.yes === true, dryRun: options.dryRun === true, allowDecrease: options.allowDecrease === true,
      resumeCommand: (runId) => `streamctl run ${file ?? ''} --resume ${runId}`.replace('  ', ' '),
      io: processIo(),
    });
  });
}
