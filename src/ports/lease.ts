export interface LeaseState {
  acquired: boolean;
  holder: string;
  /** ISO time when the lease lapses unless renewed, on the lease keeper's clock: for messages only. */
  expiresAt: string;
  /**
   * How long the lease was granted for, ms, counted from when the request was sent at the latest.
   * The engine times renewals and the lease's validity with this on its monotonic clock, never by
   * comparing `expiresAt` with its own wall clock (another host's, or a clock that stepped).
   */
  ttlMs: number;
  /**
   * On a renewal: true when the lease was still this holder's when the request arrived, false when
   * it had lapsed and was taken afresh (another controller may have held it in between); absent
   * when the keeper cannot say (then the engine judges by its own clocks).
   */
  renewed?: boolean;
  /** `http` when held in the target (streamctl serve), `file` for the local lock file. */
  kind: 'http' | 'file';
}

/**
 * One cutover per target at a time (flagger #1613: two controllers double-step).
 * The same holder acquiring again renews.
 */
export interface Lease {
  acquire(): Promise<LeaseState>;
  renew(): Promise<LeaseState>;
  /** Idempotent; never throws. */
  release(): Promise<void>;
}
