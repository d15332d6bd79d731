/** Kept here rather than imported so that checks never depend on the runtime's modules. */
export type LedgerMethod = 'stream_v2' | 'optimized';
export type LedgerKind = 'health_data' | 'device_info' | 'common_event';

/**
 * The acceptance ledger in Redis: per server-clock minute, how many records each path accepted.
 * `streamctl:ledger:<unix minute>` is a hash whose fields are `<upload_method>:<kind>` (plus
 * `:test` for test devices) and whose values are record counts (one per list element).
 * Kept 31 days, past the longest stream retention (device info, 30 days).
 */
export const LEDGER_PREFIX = 'streamctl:ledger:';
export const LEDGER_TTL_SECONDS = 31 * 86_400;

export function ledgerKey(minute: number): string {
  return `${LEDGER_PREFIX}${minute}`;
}

export function ledgerField(method: LedgerMethod, kind: LedgerKind, testDevice: boolean): string {
  return `${method}:${kind}${testDevice ? ':test' : ''}`;
}

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}
