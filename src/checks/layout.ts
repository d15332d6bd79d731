import type { LedgerKind, LedgerMethod } from '../shared/ledger-keys.js';

/**
 * The storage layout the checks read: tables, streams and groups of spec §2. Restated here rather
 * than imported from src/runtime so the checks also judge a service they did not build (the
 * original Python one writes the same names); a unit test pins these to the runtime's constants.
 */
export type Kind = LedgerKind;
export type Path = LedgerMethod;

export interface KindLayout {
  kind: Kind;
  table: string;
  stream: string;
  group: string;
  /**
   * Columns that identify one reading of a device. Events also carry their type: two different
   * events in the same millisecond are not a duplicate.
   */
  readingKey: readonly string[];
}

export const KINDS: readonly Kind[] = ['health_data', 'device_info', 'common_event'];
export const PATHS: readonly Path[] = ['stream_v2', 'optimized'];

export const LAYOUT: Record<Kind, KindLayout> = {
  health_data: { kind: 'health_data', table: 'user_health_data', stream: 'health_data_stream', group: 'health_processors', readingKey: ['device_sn', 'timestamp'] },
  device_info: { kind: 'device_info', table: 'user_device_info', stream: 'device_info_stream', group: 'device_processors', readingKey: ['device_sn', 'timestamp'] },
  common_event: { kind: 'common_event', table: 'user_common_event', stream: 'common_event_stream', group: 'event_processors', readingKey: ['device_sn', 'timestamp', 'event_type'] },
};

/** Columns every table must have for the check to mean anything (design §8: an absent table is never "equal"). */
export const REQUIRED_COLUMNS = ['ingest_id', 'device_sn', 'timestamp', 'create_time', 'upload_method'] as const;

export function deadLetterStreamOf(stream: string): string {
  return `${stream}:dlq`;
}

export function trimmedCounterKey(stream: string): string {
  return `streamctl:trimmed:${stream}`;
}
