/** Read-only views used by `status`; each may be absent on the original service. */
export interface StreamBacklog {
  lag: number | null;
  pending: number;
  oldestPendingMs: number | null;
  deadLetters: number;
  trimmedUnconsumed: number;
}

export interface StreamInfo {
  name: string;
  length: number;
  groups: number;
  consumerGroup?: string;
  backlog?: StreamBacklog;
}

export interface StreamStats {
  messagesProduced: number | null;
  messagesConsumed: number | null;
  errors: number | null;
  streams: StreamInfo[];
}

export interface AuditEntry {
  time: string;
  action: string;
  old: number | null;
  new: number | null;
  reason?: string;
  who?: string;
  from?: string;
}

export interface AdminInfo {
  streamStats(): Promise<StreamStats>;
  /** null when the target has no audit endpoint (404). */
  audit(limit: number): Promise<AuditEntry[] | null>;
}
