import type { Clock } from '../ports/clock.js';
import type { Lease, LeaseState } from '../ports/lease.js';
import { errorMessage } from '../shared/errors.js';
import { afterRenewal, grantedView, standing, type ClockReading, type LeaseView, type RenewalAnswer, type Standing } from './lease-view.js';

export interface LeaseKeeperOptions {
  /** Renewal period, ms of monotonic time; a third of the TTL (20 s of 60 s) so two missed renewals still hold it. */
  renewEveryMs: number;
  /**
   * How long the lease must still be ours for a ratio change when it cannot be renewed right
   * before it, ms: 15 s, the admin client's longest request (the original's rollback answers after 5 s, x3).
   */
  ratioChangeMs?: number;
  /** A renewal failed (the run journals a warning); must not reject. */
  onRenewalError?: (message: string) => Promise<void>;
}

export function readClocks(clock: Clock): ClockReading {
  return { mono: clock.monotonic(), wall: clock.now() };
}

/**
 * Holds a run's lease for as long as the run is alive: renews it on its own timer (so a manual
 * gate, a consistency check, a load or a webhook never outlives it), and confirms it with the
 * target right before every ratio change. Once lost it stays lost, and `lostSignal` aborts so
 * any wait ends at once.
 */
export class LeaseKeeper {
  private view: LeaseView;
  private queue: Promise<void> = Promise.resolve();
  private readonly stopper = new AbortController();
  private readonly loser = new AbortController();

  /** `granted`: the acquire() answer; `sentAt`: both clocks read just before acquire() was sent. */
  constructor(private readonly lease: Lease, private readonly clock: Clock, granted: LeaseState, sentAt: ClockReading, private readonly options: LeaseKeeperOptions) {
    this.view = grantedView(sentAt, granted);
    clock.every(options.renewEveryMs, () => this.renew(), this.stopper.signal);
  }

  /** Why the lease is no longer this run's, or null while it is. */
  get lost(): string | null {
    return this.view.lost;
  }

  /** Aborts when the lease is lost. */
  get lostSignal(): AbortSignal {
    return this.loser.signal;
  }

  /** One renewal, after any still in flight (two never overlap: the file lease writes one temp file). */
  renew(): Promise<void> {
    const next = this.queue.then(() => this.renewOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Renews now and says whether the run may change the ratio; a `held: false` is final. */
  async confirm(): Promise<Standing> {
    await this.renew();
    const now = standing(this.view, readClocks(this.clock), this.options.ratioChangeMs ?? 15_000);
    if (!now.held) this.update({ ...this.view, lost: now.reason });
    return now;
  }

  /**
   * Ends the renewals and waits for one still in flight, so that it cannot reach the target after
   * the release and take the lease again for a run that has ended (a second run would then wait a TTL).
   */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.queue;
  }

  private async renewOnce(): Promise<void> {
    if (this.view.lost !== null || this.stopper.signal.aborted) return;
    const sentAt = readClocks(this.clock);
    let answer: RenewalAnswer;
    try {
      answer = { ok: true, state: await this.lease.renew() };
    } catch (error) {
      answer = { ok: false, error: errorMessage(error) };
      // The TTL (60 s) covers two missed renewals; the warning says the lease is at risk.
      await this.options.onRenewalError?.(answer.error);
    }
    this.update(afterRenewal(this.view, sentAt, answer));
  }

  private update(view: LeaseView): void {
    this.view = view;
    if (view.lost !== null && !this.loser.signal.aborted) this.loser.abort(view.lost);
  }
}
