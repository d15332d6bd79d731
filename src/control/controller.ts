import { UsageError } from '../shared/errors.js';
import { endRun } from './endings.js';
import { enterStepTick } from './enter-step.js';
import { observeTick } from './observe.js';
import { exitCodeForOutcome, FINAL_OUTCOMES, type Outcome } from './outcome.js';
import type { Plan } from './plan.js';
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
export async function runCutover(deps: EngineDeps, request: RunRequest): Promise<RunResult> {
  const existing = request.kind === 'resume' ? await loadResumable(deps, request.runId) : null;
  assertRunnable(existing?.plan ?? (request as { plan: Plan }).plan, deps);

  const lease = await deps.lease.acquire();
  if (!lease.acquired) {
    const reason = `another cutover holds the lease on this target: ${lease.holder} (until ${lease.expiresAt})`;
    return { runId: request.runId, outcome: 'lease_held', exitCode: exitCodeForOutcome('lease_held'), reason, state: existing };
  }

  let run: Run | undefined;
  try {
    if (request.kind === 'new') {
      run = new Run(deps, request.runId, null);
      await run.record({ type: 'run_started', runId: request.runId, plan: request.plan, target: request.target, holder: request.holder, version: 1 });
    } else {
      run = new Run(deps, request.runId, existing);
      await run.record({ type: 'resumed', holder: request.holder });
    }

    while (run.state.phase !== 'ended') {
      if (deps.signal.aborted) {
        await abort(run);
        break;
      }
      switch (run.state.phase) {
        case 'precheck': await precheckTick(run); break;
        case 'enter': await enterStepTick(run); break;
        case 'observe': await observeTick(run); break;
      }
    }
    const ended = run.state.ended!;
    return { runId: run.runId, outcome: ended.outcome, exitCode: ended.exitCode, reason: ended.reason, state: run.state };
  } finally {
    // Only after a throw is a load still running here: stop it, but trust the journal no more.
    await run?.haltLoad()?.summary;
    await deps.notifier?.flush();
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

async function loadResumable(deps: EngineDeps, runId: string): Promise<RunState> {
  const state = foldRecords(await deps.journal.read(runId));
  if (!state) throw new UsageError(`--resume ${runId}: no such run in the journal`, 'list runs with `streamctl status`, or check --data-dir');
  if (state.ended && FINAL_OUTCOMES.has(state.ended.outcome)) {
    throw new UsageError(`--resume ${runId}: that run already ended (${state.ended.outcome}): ${state.ended.reason}`, 'start a new run instead');
  }
  return state;
}
