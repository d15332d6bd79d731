/** What the admin API says about the service's health (spec §2: `healthy` is the source of truth). */
export interface HealthReport {
  healthy: boolean;
  /** `healthy` | `degraded` | `not_initialised` on streamctl serve; derived from `healthy` on the original. */
  status: string;
  streams: string[];
  /** `streamctl` when the target is streamctl serve; absent on the original service. */
  service?: string;
  /** Why it is not healthy, as the service words it (streamctl serve's `problems`). */
  problems?: string[];
}

export interface RatioChange {
  oldRatio: number | null;
  newRatio: number;
  message?: string;
}

export interface RollbackReply {
  success: boolean;
  rollbackTime?: string;
  trafficRatio?: number;
  consumersStopped?: boolean;
  draining?: boolean;
  message?: string;
  error?: string;
  /** streamctl serve: the instance holds 0 but Redis did not take it, so other instances may not. */
  localOnly?: boolean;
  /** The HTTP status the endpoint answered with. */
  httpStatus?: number;
}

/** The ratio knob and the big red button of the service under control. */
export interface TrafficControl {
  health(): Promise<HealthReport>;
  getRatio(): Promise<number>;
  setRatio(ratio: number, reason?: string): Promise<RatioChange>;
  emergencyRollback(reason?: string): Promise<RollbackReply>;
}
