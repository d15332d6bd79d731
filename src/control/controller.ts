import type { SkippedLine } from '../ports/journal.js';
import { UsageError } from '../shared/errors.js';
import { endRun } from './endings.js';
import { enterStepTick } from './enter-step.js';
import { finishTick } from './finish.js';
import { failSafe, stopUnrecorded } from './fail-safe.js';
import { JournalGuard, withJournalFault } from './journal-guard.js';
import { LeaseKeeper, readClocks } from './lease-keeper.js';
import { observeTick } from './observe.js';
import { exitCodeForOutcome, FINAL_OUTCOMES, type Outcome } from './outcome.js';
import type { Plan } from './plan.js';
import { redactPlan } from './plan-redaction.js';
import { precheckTick } from './precheck.js';
import { Run, type EngineDeps } from './run.js';
import { foldRecords, type RunState } from './state.js';

export type RunRequest =
  | { kind: 'new'; runId: string; plan: Plan; target: string; holder: string }
  | { kind: 'resume'; runId: string; holder: string };

export interface RunResult {
  runId: string;
  outcome: Outcome;
  exitCode: number;
  reason: string;
  /** null when the run never started (lease held elsewhere). */
  state: RunState | null;
  /** The first journal write failure of this session, or null: then the journal lacks the run's last records. */
  journalFault: string | null;
}

/** Refuses, before anything is touched, a plan this engine cannot carry out. */
export function assertRunnable(plan: Plan, deps: Pick<EngineDeps, 'loadRunner'>): void {
  plan.steps.forEach((step, i) => {
    if (step.kind === 'ratio' && step.load && !deps.loadRunner) {
      throw new UsageError(`steps[${i}].load: this build has no load generator wired in`, 'remove the load: field, or run the load separately with `streamctl load`');
    }
  });
}

/**
 * The Flagger-style loop: every tick reads the state, does one thing, and journals it; the
 * state is a fold of the journal, so a run resumes after a crash from where it stood.
 */
export async function runCutover(given: EngineDeps, request: RunRequest): Promise<RunResult> {
  // A disk that stops taking writes never stops the safety action (journal-guard.ts).
  const journal = new JournalGuard(given.journal, (message) => given.onEvent?.({ type: 'journal_fault', at: new Date(given.clock.now()).toISOString(), message }));
  const deps: EngineDeps = { ...given, journal };
  const existing = request.kind === 'resume' ? await loadResumable(deps, request.runId) : null;
  assertRunnable(existing?.state.plan ?? (request as { plan: Plan }).plan, deps);

  const sentAt = readClocks(deps.clock);
  const lease = await deps.lease.acquire();
  if (!lease.acquired) {
    const reason = `another cutover holds the lease on this target: ${lease.holder} (until ${lease.expiresAt})`;
    return { runId: request.runId, outcome: 'lease_held', exitCode: exitCodeForOutcome('lease_held'), reason, state: existing?.state ?? null, journalFault: null };
  }

  // Renewed on its own timer for as long as the run is alive, and confirmed before every ratio change.
  const keeper = new LeaseKeeper(deps.lease, deps.clock, lease, sentAt, {
    renewEveryMs: deps.leaseRenewEveryMs ?? lease.ttlMs / 3,
    onRenewalError: async (message) => {
      await run?.record({ type: 'warning', message: `lease renewal failed: ${message}` }).catch(() => undefined);
    },
  });
  let run: Run | undefined;
  try {
    try {
      if (request.kind === 'new') {
        run = new Run(deps, request.runId, null, keeper);
        // Webhook secrets stay out of the journal: the engine never needs them (plan-redaction.ts).
        await run.record({ type: 'run_started', runId: request.runId, plan: redactPlan(request.plan), target: request.target, holder: request.holder, version: 1 });
      } else {
        run = new Run(deps, request.runId, existing!.state, keeper);
        await run.record({ type: 'resumed', holder: request.holder });
        for (const line of existing!.skipped) {
          await run.record({ type: 'warning', message: `journal line ${line.line} could not be read and was skipped (${line.bytes} bytes, torn by a crash mid-write?): ${line.start}` });
        }
      }

      while (run.state.phase !== 'ended') {
        if (deps.signal.aborted) {
          await abort(run);
          break;
        }
        if (journal.fault !== null) {
          await stopUnrecorded(run);
          break;
        }
        switch (run.state.phase) {
          case 'precheck': await precheckTick(run); break;
          case 'enter': await enterStepTick(run); break;
          case 'observe': await observeTick(run); break;
          case 'finish': await finishTick(run); break;
        }
      }
    } catch (fault) {
      // Any exception after the first ratio change puts the starting ratio back (fail-safe.ts).
      await failSafe(run, fault);
    }
    const ended = run!.state.ended!;
    const end = withJournalFault(ended.exitCode, ended.reason, journal.fault);
    return { runId: run!.runId, outcome: ended.outcome, exitCode: end.exitCode, reason: end.reason, state: run!.state, journalFault: journal.fault };
  } finally {
    // Only after a throw is a load still running here: stop it, but trust the journal no more.
    await run?.haltLoad()?.summary.catch(() => undefined);
    // Notifiers are not waited for here: the lease is released and the result returned at once;
    // the CLI gives webhooks still in flight a bounded time after printing it (execute-run.ts).
    await keeper.stop();
    await deps.lease.release();
  }
}

/**
 * Ctrl-C, SIGTERM or SIGHUP: asks nothing, puts the starting ratio back, records the abort. The
 * abort reason is the signal's name when the CLI gives one.
 */
async function abort(run: Run): Promise<void> {
  const start = run.state.startRatio;
  const reason = run.deps.signal.reason;
  const signal = typeof reason === 'string' && reason.startsWith('SIG') ? reason : 'SIGINT';
  await endRun(run, 'aborted', `interrupted (${signal})`, start === null ? { kind: 'none' } : { kind: 'restore', ratio: start });
}

/** The state to resume from, and the journal lines that could not be read (the resume says so). */
async function loadResumable(deps: EngineDeps, runId: string): Promise<{ state: RunState; skipped: SkippedLine[] }> {
  const skipped: SkippedLine[] = [];
  const state = foldRecords(await deps.journal.read(runId, (line) => skipped.push(line)));
  if (!state) throw new UsageError(`--resume ${runId}: no such run in the journal`, 'list runs with `streamctl status`, or check --data-dir');
  if (state.ended && FINAL_OUTCOMES.has(state.ended.outcome)) {
    throw new UsageError(`--resume ${runId}: that run already ended (${state.ended.outcome}): ${state.ended.reason}`, 'start a new run instead');
  }
  return { state, skipped };
}
