import { errorMessage } from '../shared/errors.js';
import type { AdminInfo, AuditEntry, StreamStats } from '../ports/admin-info.js';
import type { Journal } from '../ports/journal.js';
import type { MetricsSnapshot, MetricsSource } from '../ports/metrics-source.js';
import type { HealthReport, TrafficControl } from '../ports/traffic-control.js';
import type { RunRecord } from './records.js';
import { runProgress, upcomingSteps } from './progress.js';
import { foldRecords, type RunState } from './state.js';
import { stepName } from './step-names.js';
import { summariseSteps, type StepSummary, type StepVerdict } from './step-summary.js';

export interface LatestRun {
  runId: string;
  scenario: string;
  target: string;
  startedAt: string;
  lastRecordAt: string;
  /**
   * How it ended; without run_ended yet, `paused` while a manual gate waits for Enter in the
   * run's terminal (its `gate` record says `waiting`), else `running or crashed`.
   */
  outcome: string;
  exitCode: number | null;
  reason: string;
  step: number;
  steps: number;
  /** Where the run stands, named as in its output: `step 2 (ratio 0.6)`, `gate 2 (manual)` (step-names.ts). */
  position: string;
  /** ms since `startedAt`: up to now while it runs, up to its last record once it ended. */
  elapsedMs: number;
  /** Planned observation left (progress.ts), null once ended; gates come on top, `gatesLeft` of them. */
  remainingMs: number | null;
  gatesLeft: number;
  /** The plan in order, each step with how far it got (step-summary.ts): what `watch` lists. */
  stepList: StepMark[];
}

/** One plan position for the status screen: `label` is the ratio (`0.3`) or the gate (`manual gate`, `consistency`). */
export interface StepMark {
  kind: StepSummary['kind'];
  label: string;
  verdict: StepVerdict;
}

/** Failures are part of the picture: each section is either its value or why it is missing. */
export type Section<T> = { ok: true; value: T } | { ok: false; error: string };

export interface StatusDoc {
  target: string;
  at: string;
  health: Section<HealthReport>;
  ratio: Section<number>;
  metrics: Section<MetricsSnapshot>;
  streams: Section<StreamStats>;
  /** null value = the target has no audit log (the original service). */
  audit: Section<AuditEntry[] | null>;
  latestRun: LatestRun | null;
}

export interface StatusDeps {
  traffic: TrafficControl;
  metrics: MetricsSource;
  info: AdminInfo;
  journal: Journal<RunRecord>;
  now: () => number;
}

async function section<T>(work: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/** Everything `status` shows, read in parallel; never throws for a missing piece. */
export async function gatherStatus(deps: StatusDeps, target: string, auditLimit = 5): Promise<StatusDoc> {
  const [health, ratio, metrics, streams, audit, latestRun] = await Promise.all([
    section(() => deps.traffic.health()),
    section(() => deps.traffic.getRatio()),
    section(() => deps.metrics.read()),
    section(() => deps.info.streamStats()),
    section(() => deps.info.audit(auditLimit)),
    latestRunOf(deps.journal, deps.now()).catch(() => null),
  ]);
  return { target, at: new Date(deps.now()).toISOString(), health, ratio, metrics, streams, audit, latestRun };
}

/** The most recently written run in the journal, and why it ended (or where it stands). `now`: wall ms, for elapsed and ETA only. */
export async function latestRunOf(journal: Journal<RunRecord>, now: number = Date.now()): Promise<LatestRun | null> {
  const [runId] = await journal.list();
  if (!runId) return null;
  const records = await journal.read(runId);
  const state = foldRecords(records);
  if (!state) return null;
  return {
    runId,
    scenario: state.plan.name,
    target: state.target,
    startedAt: records[0]!.at,
    lastRecordAt: records.at(-1)!.at,
    outcome: state.ended?.outcome ?? (state.waitingAtGate !== null ? 'paused' : 'running or crashed'),
    exitCode: state.ended?.exitCode ?? null,
    reason: state.ended?.reason ?? (state.waitingAtGate !== null
      ? `waiting at ${stepName(state.plan, state.waitingAtGate)}: ${waitingText(records)}; Enter in the terminal of ${state.holder} continues it; if no streamctl process is running it, continue with --resume ${runId}`
      : `last record: ${records.at(-1)!.type}; if no streamctl process is running it, continue with --resume ${runId}`),
    step: Math.min(state.stepIndex + 1, state.plan.steps.length),
    steps: state.plan.steps.length,
    position: state.ended ? stepName(state.plan, Math.min(state.stepIndex, state.plan.steps.length - 1)) : stepName(state.plan, state.stepIndex),
    ...timing(state, records, now),
    stepList: summariseSteps(state.plan, records).map((row) => ({ kind: row.kind, label: row.label, verdict: row.verdict })),
  };
}

/** Elapsed and planned time left (progress.ts); wall times from the records, for display only. */
function timing(state: RunState, records: RunRecord[], now: number): Pick<LatestRun, 'elapsedMs' | 'remainingMs' | 'gatesLeft'> {
  const started = Date.parse(records[0]!.at);
  if (state.ended) return { elapsedMs: Math.max(0, Date.parse(records.at(-1)!.at) - started), remainingMs: null, gatesLeft: 0 };
  const inStep = state.phase === 'observe' && state.stepStartedAt !== null ? now - state.stepStartedAt : 0;
  const p = runProgress(state.plan, upcomingSteps(state.plan, state.stepIndex, state.resumeAt), now - started, inStep);
  return { elapsedMs: p.elapsedMs, remainingMs: p.remainingMs, gatesLeft: p.gatesLeft };
}

/** `<message> (since <at>)` of the gate waiting now (its `waiting` record): the message first, a narrow screen cuts the end. */
function waitingText(records: RunRecord[]): string {
  const gate = records.findLast((r) => r.type === 'gate' && r.result === 'waiting');
  return gate && gate.type === 'gate' ? `${gate.summary} (since ${gate.at})` : 'manual gate';
}
