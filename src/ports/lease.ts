export interface LeaseState {
  acquired: boolean;
  holder: string;
  /** ISO time when the lease lapses unless renewed. */
  expiresAt: string;
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
