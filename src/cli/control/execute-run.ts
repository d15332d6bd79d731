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
import { webhooksForResume } from '../../control/plan-redaction.js';
import type { RunEvent, RunRecord } from '../../control/records.js';
import { foldRecords } from '../../control/state.js';
import { summariseSteps } from '../../control/step-summary.js';
import type { Clock } from '../../ports/clock.js';
import { formatDuration, MAX_REQUEST_TIMEOUT, parseDuration } from '../../shared/durations.js';
import { UsageError } from '../../shared/errors.js';
import { ExitCode } from '../../shared/exit-code.js';
import { eventLine } from '../render/run-events.js';
import { runResultText } from '../render/run-result.js';
import { stepLines, stepTable } from '../render/step-table.js';
import { clientFor, type ConnectionFlags } from './connection.js';
import { styleFor, type Io } from './io.js';
import { confirm, ttyDecreaseApproval, ttyManualGate } from './prompts.js';
import { dryRun } from './dry-run.js';
import { previewResume } from './resume-preview.js';
import { resumeSummary, type ResumePreview } from '../render/resume-view.js';
import { newRunId } from './run-id.js';
import { RunView } from './run-view.js';
import { onInterrupt, type InterruptSignal } from '../interrupts.js';
import { onOutputClosed } from '../output-streams.js';
import { jsonDocument } from '../render/snake-json.js';

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
  /** `--allow-decrease`: steps may lower the ratio without asking (the scenario's `allow_decrease` also allows it). */
  allowDecrease?: boolean;
  /** How to continue this run, e.g. `streamctl run x.yaml --resume <id>`. */
  resumeCommand: (runId: string) => string;
  io: Io;
  /** Tests abort this instead of sending SIGINT. */
  signal?: AbortSignal;
  clock?: Clock;
}

/**
 * 30 s: the longest a finished run waits for its webhooks. Each delivery is already bounded by
 * its hook's timeout and retries (up to 60 s x 11); this caps what a hook with many retries could
 * add to the end of a run whose result is already printed.
 */
const NOTIFY_GRACE_MS = 30_000;

/** `cutover` and `run`: plan -> engine -> view; returns the exit code. */
export async function executeRun(input: ExecuteRunInput): Promise<number> {
  const { io, conn } = input;
  const journal = new FileJournal<RunRecord>(conn.dataDir);
  let plan: Plan;
  let target: string;
  /** The journal as it was before this session: the start of the step table if it fails meanwhile. */
  let earlier: RunRecord[] = [];
  if (input.resume) {
    earlier = await journal.read(input.resume);
    const state = foldRecords(earlier);
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

  // The journal keeps webhooks redacted: a resumed run takes their secrets from the scenario file.
  const { hooks: webhooks, missing } = input.resume ? webhooksForResume(plan.webhooks, input.plan?.webhooks) : { hooks: plan.webhooks, missing: [] };
  const tty = io.stderrTTY && !input.json;
  const style = styleFor(io, tty);
  if (input.allowDecrease === true) plan = { ...plan, allowDecrease: true };
  // A run asks (moving traffic back, a manual gate) only where a human reads and answers.
  const interactive = io.stdinTTY && io.stderrTTY && !input.json;
  if (input.dryRun) {
    let resume: ResumePreview | null = null;
    if (input.resume) {
      const reader = clientFor(conn, target);
      try {
        resume = await previewResume(input.resume, foldRecords(earlier)!, earlier, reader);
      } finally {
        await reader.close();
      }
    }
    return dryRun({ plan, target, json: input.json, interactive, resume, io });
  }
  parseDuration(conn.timeout, '--timeout', MAX_REQUEST_TIMEOUT);
  for (const url of missing) {
    io.err(`warning: webhook ${url} is not called: its secrets are not kept in the journal; give the scenario file with --resume to call it`);
  }

  const client = clientFor(conn, target);
  // The elapsed time counts from the run's first record, also across a resume.
  const startedAtMs = earlier[0] ? Date.parse(earlier[0].at) : undefined;
  const view = new RunView(io, input.json ? 'json' : tty ? 'tty' : 'plain', style, { plan, ...(startedAtMs !== undefined ? { startedAtMs } : {}) });
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
  let notifier: WebhookNotifier | undefined;
  try {
    // A step's `load:` goes to the same service the run drives (its ingest endpoints).
    const loadRunner = new HttpLoadRunner({ target, ...(conn.token ? { token: conn.token } : {}) });
    assertRunnable(plan, { loadRunner });
    if (!input.yes && interactive) {
      const ratios = plan.steps.flatMap((s) => (s.kind === 'ratio' ? [String(s.ratio)] : []));
      // A resume shows what it will really do from the ratio as it is now (issue 11: it showed the whole plan, then jumped).
      const preview = input.resume ? await previewResume(input.resume, foldRecords(earlier)!, earlier, client) : null;
      const question = input.resume
        ? `Resume ${input.resume} against ${target}: ${preview ? resumeSummary(preview) : 'it carries out the ending it had decided'}?`
        : `Start "${plan.name}" against ${target}: ratio ${ratios.join(' -> ')} over ${formatDuration(planDurationMs(plan))}?`;
      if (!(await confirm(question))) {
        io.err('cancelled: nothing was changed');
        return ExitCode.Inconclusive;
      }
    }
    const runId = input.resume ?? newRunId(plan.name);
    const holder = `${runId}@${hostname()}`;
    if (!input.signal) {
      const stopSignals = onInterrupt(onSignal);
      // A closed stdout (`| head`, a tee that died) ends the run as Ctrl-C does: starting ratio
      // restored, lease released. It never counts as the second interrupt that leaves at once:
      // Ctrl-C on `cutover 2>&1 | tee` closes the pipe and sends SIGINT in the same instant.
      const stopPipe = onOutputClosed((name) => {
        if (name !== 'stdout' || aborter.signal.aborted) return;
        io.err('stdout was closed: restoring the starting ratio before exiting');
        aborter.abort('SIGPIPE');
      });
      stopListening = () => {
        stopSignals();
        stopPipe();
      };
    }
    view.start(`${input.resume ? 'resuming' : 'starting'} ${runId}`);
    notifier = new WebhookNotifier(webhooks, {
      onFailure: (url, kind, message) => io.err(`warning: webhook ${kind} to ${url} failed: ${message}`),
    });
    // What this session did, for the step table when the journal failed during it.
    const seen: RunRecord[] = [];
    const onEvent = (event: RunEvent) => {
      if (event.type === 'journal_fault') {
        // Loud and on stderr whatever the mode (the tty view already writes there).
        if (view.mode !== 'tty') io.err(eventLine(event, style) ?? event.message);
      } else if (event.type !== 'waiting') {
        seen.push(event);
      }
      view.onEvent(event);
    };
    const manualGate = io.stdinTTY && !input.json ? ttyManualGate(() => view.pause(), () => view.resume()) : undefined;
    const decreaseApproval = interactive ? ttyDecreaseApproval(() => view.pause(), () => view.resume()) : undefined;
    const result: RunResult = await runCutover(
      {
        traffic: client, metrics: client, journal, clock: input.clock ?? systemClock, signal, notifier,
        lease: new AutoLease({ http: client.http, dataDir: conn.dataDir, name: 'cutover', holder, ttlMs: 60_000 }),
        consistency: new HttpConsistencyGate(client.http),
        loadRunner,
        ...(manualGate ? { manualGate } : {}),
        ...(decreaseApproval ? { decreaseApproval } : {}),
        onEvent,
      },
      input.resume ? { kind: 'resume', runId, holder } : { kind: 'new', runId, plan, target, holder },
    );
    view.stop();
    const stored = result.journalFault === null ? await journal.read(runId).catch(() => null) : null;
    const rows = summariseSteps(plan, stored ?? [...earlier, ...seen]);
    const resumeHint = result.outcome === 'lease_held' ? null : input.resumeCommand(runId);
    if (input.json) {
      io.out(jsonDocument({ type: 'result', runId, outcome: result.outcome, exitCode: result.exitCode, reason: result.reason, steps: rows }));
      if (result.outcome === 'rollback_failed' || result.outcome === 'restore_failed' || result.journalFault !== null) io.err(runResultText(result, resumeHint));
    } else {
      if (result.state) io.out(tty ? stepTable(rows, style) : stepLines(rows).join('\n'));
      const text = runResultText(result, resumeHint, style);
      if (result.exitCode === ExitCode.Ok) io.out(text);
      else io.err(text);
      if (result.state) io.err(`journal${result.journalFault === null ? '' : ' (INCOMPLETE: its last records are only in this output)'}: ${journal.pathOf(runId)}`);
    }
    // Webhooks still in flight get a bounded time after the result (each bounded by its own
    // timeout and retries, all by NOTIFY_GRACE_MS); then they are cancelled, so the process exits.
    await notifier.flush(Math.min(NOTIFY_GRACE_MS, notifier.boundMs()));
    return result.exitCode;
  } finally {
    view.stop();
    stopListening();
    await notifier?.close();
    await client.close();
  }
}
