import { errorMessage } from '../shared/errors.js';
import type { AdminInfo, AuditEntry, StreamStats } from '../ports/admin-info.js';
import type { Journal } from '../ports/journal.js';
import type { MetricsSnapshot, MetricsSource } from '../ports/metrics-source.js';
import type { HealthReport, TrafficControl } from '../ports/traffic-control.js';
import type { RunRecord } from './records.js';
import { foldRecords } from './state.js';

export interface LatestRun {
  runId: string;
  scenario: string;
  target: string;
  startedAt: string;
  lastRecordAt: string;
  /** `running or crashed` when the journal has no run_ended yet. */
  outcome: string;
  exitCode: number | null;
  reason: string;
  step: number;
  steps: number;
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
    latestRunOf(deps.journal).catch(() => null),
  ]);
  return { target, at: new Date(deps.now()).toISOString(), health, ratio, metrics, streams, audit, latestRun };
}

/** The most recently written run in the journal, and why it ended. */
export async function latestRunOf(journal: Journal<RunRecord>): Promise<LatestRun | null> {
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
    outcome: state.ended?.outcome ?? 'running or crashed',
    exitCode: state.ended?.exitCode ?? null,
    reason: state.ended?.reason ?? `last record: ${records.at(-1)!.type}; if no streamctl process is running it, continue with --resume ${runId}`,
    step: Math.min(state.stepIndex + 1, state.plan.steps.length),
    steps: state.plan.steps.length,
  };
}
