import type { Clock } from '../ports/clock.js';
import type { ConsistencyGate } from '../ports/consistency-gate.js';
import type { DecreaseApproval } from '../ports/decrease-approval.js';
import type { Journal } from '../ports/journal.js';
import type { Lease } from '../ports/lease.js';
import type { LoadHandle, LoadRunner, LoadSpec, LoadSummary } from '../ports/load-runner.js';
import type { ManualGate } from '../ports/manual-gate.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import type { Notifier } from '../ports/notifier.js';
import type { TrafficControl } from '../ports/traffic-control.js';
import type { Reading } from './interval.js';
import type { LeaseKeeper } from './lease-keeper.js';
import type { Standing } from './lease-view.js';
import { notificationFor } from './notifications.js';
import type { RunEvent, RunRecord } from './records.js';
import { applyRecord, type RunState } from './state.js';

/** Everything the engine touches, handed in by the CLI (design §2: no sockets in control). */
export interface EngineDeps {
  traffic: TrafficControl;
  metrics: MetricsSource;
  journal: Journal<RunRecord>;
  lease: Lease;
  clock: Clock;
  /** Ctrl-C: the CLI aborts this on SIGINT. */
  signal: AbortSignal;
  notifier?: Notifier;
  consistency?: ConsistencyGate;
  loadRunner?: LoadRunner;
  manualGate?: ManualGate;
  /** Asks a human before steps lower the ratio; absent = nobody to ask (refused unless allowed). */
  decreaseApproval?: DecreaseApproval;
  onEvent?: (event: RunEvent) => void;
  /** Lease renewal period, ms of monotonic time; default a third of the lease's TTL (20 s of 60 s) so two missed renewals still hold it. */
  leaseRenewEveryMs?: number;
  /** Read-backs after an emergency rollback before it is declared unverified (3, 1 s apart). */
  rollbackVerifyAttempts?: number;
  rollbackVerifyDelayMs?: number;
}

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

/** A load told to stop whose summary is still on its way (requests in flight answering). */
export interface StoppingLoad {
  index: number;
  summary: Promise<LoadSummary>;
}

/** One run in flight: its state, its journal, and the in-memory bits that need no resume. */
export class Run {
  private current: RunState | null;
  /** The read the next sample is differenced from: taken at each ratio change, then each sample's (interval-reading.ts). */
  baseline: Reading | undefined;
  /** How this target is read, learnt on the first read: serve's counters, or `/api/stream_metrics` only. */
  metricsKind: Reading['kind'] | undefined;
  /** The running step's background load (`load:`), with the step it belongs to. */
  private load: { index: number; handle: LoadHandle } | undefined;
  /** Monotonic ms when the step in flight started: sample due times count from here, never from a wall time. */
  stepStartedMono: number | undefined;
  /** Aborts on Ctrl-C or when the lease is lost: either ends a wait (a sample's, a manual gate's) at once. */
  readonly waitSignal: AbortSignal;

  constructor(readonly deps: EngineDeps, readonly runId: string, state: RunState | null, private readonly lease: LeaseKeeper) {
    this.current = state;
    this.waitSignal = AbortSignal.any([deps.signal, lease.lostSignal]);
  }

  /** Present from the first record (run_started) on. */
  get state(): RunState {
    if (!this.current) throw new Error('run state read before run_started was recorded');
    return this.current;
  }

  get aborted(): boolean {
    return this.deps.signal.aborted;
  }

  iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  /** Journal first, then state, then the screen and webhooks: what was shown was saved. */
  async record(partial: WithoutAt<RunRecord>): Promise<RunRecord> {
    const record = { ...partial, at: this.iso() } as RunRecord;
    await this.deps.journal.append(this.runId, record);
    this.current = applyRecord(this.current, record);
    this.deps.onEvent?.(record);
    const notification = notificationFor(record, this.state);
    if (notification) this.deps.notifier?.notify(notification);
    return record;
  }

  progress(event: WithoutAt<RunEvent>): void {
    this.deps.onEvent?.({ ...event, at: this.iso() } as RunEvent);
  }

  /** Why the lease is no longer this run's (taken, or lapsed); undefined while it is. */
  get leaseLostTo(): string | undefined {
    return this.lease.lost ?? undefined;
  }

  /**
   * Renews the lease with the target and says whether this run may change the ratio now: call
   * it right before every ratio change. `held: false` is final: the run must not touch the ratio.
   */
  confirmLease(): Promise<Standing> {
    return this.lease.confirm();
  }

  /**
   * Sleeps until `due` (monotonic ms, Clock.monotonic()); returns early on Ctrl-C or when the
   * lease was lost. The lease renews on its own timer meanwhile (lease-keeper.ts).
   */
  async waitUntil(due: number): Promise<void> {
    while (!this.waitSignal.aborted) {
      const left = due - this.deps.clock.monotonic();
      if (left <= 0) return;
      await this.deps.clock.sleep(left, this.waitSignal);
    }
  }

  /** Starts step `index`'s load and journals it; rejects when it cannot start. */
  async startLoad(index: number, spec: LoadSpec): Promise<void> {
    const handle = await this.deps.loadRunner!.start(spec);
    this.load = { index, handle };
    await this.record({ type: 'load_started', index, load: spec });
  }

  /**
   * Stops the load at once (no more requests are released) without waiting for it to drain,
   * so a rollback is never delayed by requests still in flight. Journal it with `recordLoad`.
   */
  haltLoad(): StoppingLoad | undefined {
    const load = this.load;
    this.load = undefined;
    return load ? { index: load.index, summary: load.handle.stop() } : undefined;
  }

  /** Waits for a halted load to drain and journals what it did (achieved rate, p95, errors). */
  async recordLoad(stopping: StoppingLoad | undefined): Promise<void> {
    if (!stopping) return;
    await this.record({ type: 'load_stopped', index: stopping.index, summary: await stopping.summary });
  }

  async stopLoad(): Promise<void> {
    await this.recordLoad(this.haltLoad());
  }
}
