import { hostname } from 'node:os';
import { HttpConsistencyGate } from '../../adapters/consistency-gate-http.js';
import { FileJournal } from '../../adapters/file-journal.js';
import { normaliseTarget } from '../../adapters/http-json.js';
import { AutoLease } from '../../adapters/lease-auto.js';
import { HttpLoadRunner } from '../../adapters/load-runner-http.js';
import { systemClock } from '../../adapters/system-clock.js';
import { WebhookNotifier } from '../../adapters/webhook-notifier.js';
import { assertRunnable, runCutover, type RunResult } from '../../control/controller.js';
import { planDurationMs, type Plan } from '../../control/plan.js';
import type { RunRecord } from '../../control/records.js';
import { foldRecords } from '../../control/state.js';
import { summariseSteps } from '../../control/step-summary.js';
import type { Clock } from '../../ports/clock.js';
import { formatDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-code.js';
import { renderPlan } from '../render/plan-view.js';
import { runResultText } from '../render/run-result.js';
import { stepLines, stepTable } from '../render/step-table.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import { styleFor, type Io } from './io.js';
import { confirm, ttyManualGate } from './prompts.js';
import { newRunId } from './run-id.js';
import { RunView } from './run-view.js';
import { onInterrupt, type InterruptSignal } from '../interrupts.js';

export interface ExecuteRunInput {
  /** The plan to run; ignored with `resume` (the journal's plan is used). */
  plan: Plan | null;
  resume?: string;
  conn: ConnectionFlags;
  /** The user picked --target/STREAMCTL_TARGET (else a scenario's target wins over the default). */
  targetChosen: boolean;
  json: boolean;
  yes: boolean;
  dryRun: boolean;
  /** How to continue this run, e.g. `streamctl run x.yaml --resume <id>`. */
  resumeCommand: (runId: string) => string;
  io: Io;
  /** Tests abort this instead of sending SIGINT. */
  signal?: AbortSignal;
  clock?: Clock;
}

/** `cutover` and `run`: plan -> engine -> view; returns the exit code. */
export async function executeRun(input: ExecuteRunInput): Promise<number> {
  const { io, conn } = input;
  const journal = new FileJournal<RunRecord>(conn.dataDir);
  let plan: Plan;
  let target: string;
  if (input.resume) {
    const state = foldRecords(await journal.read(input.resume));
    if (!state) throw new UsageError(`--resume ${input.resume}: no such run in ${journal.dir}`, 'the latest run is shown by `streamctl status`');
    plan = state.plan;
    target = state.target;
    if (input.targetChosen && normaliseTarget(conn.target) !== target) {
      throw new UsageError(`--resume ${input.resume}: that run was against ${target}, not ${normaliseTarget(conn.target)}`);
    }
  } else {
    plan = input.plan!;
    target = normaliseTarget(input.targetChosen ? conn.target : (plan.target ?? conn.target));
  }

  const tty = io.stderrTTY && !input.json;
  const style = styleFor(io, tty);
  if (input.dryRun) {
    if (input.json) io.out(JSON.stringify({ type: 'plan', target, plan, totalMs: planDurationMs(plan) }));
    else io.out(`${renderPlan(plan, target)}\n(dry run: nothing was changed)`);
    return ExitCode.Ok;
  }

  const client = clientFor(conn, target);
  const view = new RunView(io, input.json ? 'json' : tty ? 'tty' : 'plain', style);
  const aborter = new AbortController();
  const signal = input.signal ?? aborter.signal;
  let interrupts = 0;
  const onSignal = (name: InterruptSignal) => {
    interrupts++;
    if (interrupts === 1) {
      view.pause();
      io.err(`interrupted (${name}): restoring the starting ratio before exiting (Ctrl-C again to leave at once)`);
      aborter.abort(name);
      view.resume();
    } else {
      io.err(`second interrupt (${name}): leaving now; the ratio may NOT be restored - check \`streamctl status\``);
      process.exit(ExitCode.Interrupted);
    }
  };
  let stopListening = () => {};
  try {
    // A step's `load:` goes to the same service the run drives (its ingest endpoints).
    const loadRunner = new HttpLoadRunner({ target, ...(conn.token ? { token: conn.token } : {}) });
    assertRunnable(plan, { loadRunner });
    if (!input.yes && !input.json && io.stdinTTY && io.stderrTTY) {
      const ratios = plan.steps.flatMap((s) => (s.kind === 'ratio' ? [String(s.ratio)] : []));
      const question = `${input.resume ? `Resume ${input.resume}` : `Start "${plan.name}"`} against ${target}: ratio ${ratios.join(' -> ')} over ${formatDuration(planDurationMs(plan))}?`;
      if (!(await confirm(question))) {
        io.err('cancelled: nothing was changed');
        return ExitCode.Inconclusive;
      }
    }
    const runId = input.resume ?? newRunId(plan.name);
    const holder = `${runId}@${hostname()}`;
    if (!input.signal) stopListening = onInterrupt(onSignal);
    view.start(`${input.resume ? 'resuming' : 'starting'} ${runId}`);
    const notifier = new WebhookNotifier(plan.webhooks, {
      onFailure: (url, kind, message) => io.err(`warning: webhook ${kind} to ${url} failed: ${message}`),
    });
    const manualGate = io.stdinTTY && !input.json ? ttyManualGate(() => view.pause(), () => view.resume()) : undefined;
    const result: RunResult = await runCutover(
      {
        traffic: client, metrics: client, journal, clock: input.clock ?? systemClock, signal, notifier,
        lease: new AutoLease({ http: client.http, dataDir: conn.dataDir, name: 'cutover', holder, ttlMs: 60_000 }),
        consistency: new HttpConsistencyGate(client.http),
        loadRunner,
        ...(manualGate ? { manualGate } : {}),
        onEvent: view.onEvent,
      },
      input.resume ? { kind: 'resume', runId, holder } : { kind: 'new', runId, plan, target, holder },
    );
    view.stop();
    const rows = summariseSteps(plan, await journal.read(runId));
    const resumeHint = result.outcome === 'lease_held' ? null : input.resumeCommand(runId);
    if (input.json) {
      io.out(JSON.stringify({ type: 'result', runId, outcome: result.outcome, exitCode: result.exitCode, reason: result.reason, steps: rows }));
      if (result.outcome === 'rollback_failed' || result.outcome === 'restore_failed') io.err(runResultText(result, resumeHint));
    } else {
      if (result.state) io.out(tty ? stepTable(rows, style) : stepLines(rows).join('\n'));
      const text = runResultText(result, resumeHint, style);
      if (result.exitCode === ExitCode.Ok) io.out(text);
      else io.err(text);
      if (result.state) io.err(`journal: ${journal.pathOf(runId)}`);
    }
    return result.exitCode;
  } finally {
    view.stop();
    stopListening();
    await client.close();
  }
}
