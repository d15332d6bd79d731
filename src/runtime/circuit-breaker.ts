export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one trial request is let through. */
  openMs: number;
  now?: () => number;
}

/**
 * Guards the stream path. While open, uploads go to the traditional path instead of failing, so
 * a Redis outage costs at most `failureThreshold` slow answers, not a 5xx storm.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private stateValue: BreakerState = 'closed';
  private trips = 0;
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.stateValue;
  }

  get tripCount(): number {
    return this.trips;
  }

  /** True when a request may try the stream path now. */
  allow(): boolean {
    if (this.stateValue === 'closed') return true;
    if (this.stateValue === 'open' && this.now() - this.openedAt >= this.options.openMs) {
      this.stateValue = 'half_open';
      this.trialInFlight = false;
    }
    if (this.stateValue === 'half_open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.stateValue = 'closed';
  }

  failure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.stateValue === 'half_open' || this.failures >= this.options.failureThreshold) this.open();
  }

  /** Opens at once: used when the connection itself reports it is down. */
  open(): void {
    if (this.stateValue !== 'open') this.trips++;
    this.stateValue = 'open';
    this.openedAt = this.now();
  }
}
