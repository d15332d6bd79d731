import { Option, type Command } from 'commander';
import { parseDuration } from '../../shared/durations.js';
import { parseRatioList } from '../../control/ratio.js';
import { planFromFlags } from '../../control/plan-from-flags.js';
import { addConnectionOptions, targetChosen, type ConnectionFlags } from '../control/connection.js';
import { processIo } from '../control/io.js';
import { numberFlag } from '../control/numbers.js';

interface CutoverOptions extends ConnectionFlags {
  steps: string;
  observe: string;
  interval: string;
  maxErrorRate: string;
  maxP95?: string;
  maxP95Ratio?: string;
  minRequests: string;
  failureLimit: string;
  inconclusiveLimit: string;
  errorLimit: string;
  onBreach: 'rollback' | 'hold';
  skipPrecheck?: boolean;
  skipConsistency?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  resume?: string;
  allowDecrease?: boolean;
}

const EXAMPLE = `
Example:
  $ streamctl cutover --steps 0.3,0.6,1.0 --observe 5m --interval 60s --max-error-rate 1 --max-p95 300 --yes
  Checks health (exit 3 if not healthy) and consistency, then sets 30 %, 60 %, 100 %,
  sampling every minute for 5 minutes per step. A breach rolls back to 0 and exits 1.

  $ streamctl cutover --dry-run                  # print the plan and its duration only
  $ streamctl cutover --resume cutover-20250101T120000Z-1a2b   # continue an interrupted run
  (a resume re-enters the last ratio that passed first when the ratio is no longer there,
  so no move is bigger than a planned step; --dry-run --resume shows what it will do)
  $ streamctl cutover --steps 0.5,0 --allow-decrease --yes      # moving traffic back is asked
  for on a terminal, and refused without one (exit 64) unless --allow-decrease

Exit codes: 0 completed, 1 breach (rolled back / held), 2 could not run or rollback not
verified, 3 inconclusive / not healthy / lease held elsewhere, 64 bad flag or a step down
refused, 130 Ctrl-C (starting ratio restored).`;

export function defineCutover(program: Command): void {
  const command = program
    .command('cutover')
    .description('Move traffic to the stream path step by step, judging every sample; roll back on a breach.')
    .option('--steps <ratios>', 'ratios to walk through, comma-separated', '0.3,0.6,1.0')
    .option('--observe <duration>', 'observation time per step', '5m')
    .option('--interval <duration>', 'time between samples', '60s')
    .option('--max-error-rate <percent>', 'stream error rate ceiling, percent', '1')
    .option('--max-p95 <ms>', 'stream p95 ceiling in milliseconds (off by default)')
    .option('--max-p95-ratio <x>', 'stream p95 at most x times traditional p95 in the same interval (off by default)')
    .option('--min-requests <n>', 'stream requests a sample needs; fewer is inconclusive', '20')
    .option('--failure-limit <n>', 'failed samples tolerated per step (0: the first breach rolls back)', '0')
    .option('--inconclusive-limit <n>', 'inconclusive samples tolerated per step', '1')
    .option('--error-limit <n>', 'consecutive unreachable samples tolerated', '2')
    .addOption(new Option('--on-breach <action>', 'what a breach does').choices(['rollback', 'hold']).default('rollback'))
    .option('--skip-precheck', 'skip the health pre-check and the consistency gate')
    .option('--skip-consistency', 'skip only the consistency gate before the first step')
    .option('--dry-run', 'print the plan and exit')
    .option('--yes', 'do not ask for confirmation on a terminal')
    .option('--allow-decrease', 'let steps lower the ratio (move traffic back) without asking; without a terminal such a plan is refused (exit 64) unless given')
    .option('--json', 'JSON lines of events on stdout, nothing else')
    .option('--resume <run-id>', 'continue a crashed or interrupted run from its journal');
  addConnectionOptions(command);
  command.addHelpText('after', EXAMPLE).action(async (options: CutoverOptions, cmd: Command) => {
    const plan = options.resume
      ? null
      : planFromFlags({
          steps: parseRatioList(options.steps),
          observeMs: parseDuration(options.observe, '--observe'),
          intervalMs: parseDuration(options.interval, '--interval'),
          thresholds: {
            maxErrorRate: numberFlag(options.maxErrorRate, '--max-error-rate'),
            maxP95Ms: numberFlag(options.maxP95, '--max-p95', { positive: true }) ?? null,
            maxP95Ratio: numberFlag(options.maxP95Ratio, '--max-p95-ratio', { positive: true }) ?? null,
            minRequests: numberFlag(options.minRequests, '--min-requests', { integer: true }),
          },
          limits: {
            failureLimit: numberFlag(options.failureLimit, '--failure-limit', { integer: true }),
            inconclusiveLimit: numberFlag(options.inconclusiveLimit, '--inconclusive-limit', { integer: true }),
            consecutiveErrorLimit: numberFlag(options.errorLimit, '--error-limit', { integer: true }),
          },
          skipPrecheck: options.skipPrecheck === true,
          skipConsistency: options.skipConsistency === true,
          onBreach: options.onBreach,
        });
    const { executeRun } = await import('../control/execute-run.js');
    process.exitCode = await executeRun({
      plan, ...(options.resume ? { resume: options.resume } : {}),
      conn: options, targetChosen: targetChosen(cmd),
      json: options.json === true, yes: options.yes === true, dryRun: options.dryRun === true, allowDecrease: options.allowDecrease === true,
      resumeCommand: (runId) => `streamctl cutover --resume ${runId}`,
      io: processIo(),
    });
  });
}
