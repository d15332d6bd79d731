/** A step's `load:` request; wired to `streamctl load` by a later change. */
export interface LoadSpec {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  devices?: number;
  connections?: number;
  endpoint?: string;
}

export interface LoadHandle {
  /** Idempotent; resolves when the load has stopped. */
  stop(): Promise<void>;
}

export interface LoadRunner {
  start(spec: LoadSpec): Promise<LoadHandle>;
}
