import type { Clock } from '../ports/clock.js';
import type { ConsistencyGate } from '../ports/consistency-gate.js';
import type { Journal } from '../ports/journal.js';
import type { Lease } from '../ports/lease.js';
import type { LoadHandle, LoadRunner, LoadSpec, LoadSummary } from '../ports/load-runner.js';
import type { ManualGate } from '../ports/manual-gate.js';
import type { MetricsSnapshot, MetricsSource } from '../ports/metrics-source.js';
import type { Notifier } from '../ports/notifier.js';
import type { TrafficControl } from '../ports/traffic-control.js';
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
  onEvent?: (event: RunEvent) => void;
  /** Lease renewal period; a third of the 60 s TTL so two missed renewals still hold it. */
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
  /** Previous metrics reading, to difference cumulative counters (original service). */
  previousSnapshot: MetricsSnapshot | undefined;
  /** The running step's background load (`load:`), with the step it belongs to. */
  private load: { index: number; handle: LoadHandle } | undefined;
  leaseLostTo: string | undefined;
  private lastRenewAt: number;

  constructor(readonly deps: EngineDeps, readonly runId: string, state: RunState | null) {
    this.current = state;
    this.lastRenewAt = deps.clock.now();
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

  /**
   * Sleeps until `due` in slices, renewing the lease on the way; returns early on Ctrl-C or
   * when the lease was lost to another holder.
   */
  async waitUntil(due: number): Promise<void> {
    const every = this.deps.leaseRenewEveryMs ?? 20_000;
    while (!this.aborted && this.leaseLostTo === undefined) {
      const now = this.deps.clock.now();
      if (now - this.lastRenewAt >= every) await this.renewLease();
      if (now >= due) return;
      const slice = Math.max(1, Math.min(due - now, every - (now - this.lastRenewAt)));
      await this.deps.clock.sleep(slice, this.deps.signal);
    }
  }

  private async renewLease(): Promise<void> {
    this.lastRenewAt = this.deps.clock.now();
    try {
      const lease = await this.deps.lease.renew();
      if (!lease.acquired) this.leaseLostTo = lease.holder;
    } catch (error) {
      // Unreachable while renewing: the next sample measures reachability; the TTL (60 s) covers two misses.
      await this.record({ type: 'warning', message: `lease renewal failed: ${(error as Error).message}` });
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
