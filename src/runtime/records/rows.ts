/** The rows every sink stores. Column names follow the original service's `user_health_data`. */
export type UploadMethod = 'stream_v2' | 'optimized';

interface RowBase {
  /** See shared/ingest-id.ts; unique in the database, so a redelivery cannot duplicate a row. */
  ingest_id: string;
  device_sn: string;
  /** The device's own time for the reading (ISO 8601 UTC), or null when the device sent none. */
  timestamp: string | null;
  /** When the server accepted the upload (ISO 8601 UTC); windows and the ledger use this clock. */
  create_time: string;
  upload_method: UploadMethod;
}

export interface HealthRow extends RowBase {
  heart_rate: number | null;
  blood_oxygen: number | null;
  temperature: number | null;
  pressure_high: number | null;
  pressure_low: number | null;
  stress: number | null;
  step: number | null;
  distance: number | null;
  calorie: number | null;
  latitude: number | null;
  longitude: number | null;
  altitude: number | null;
  sleep: string | null;
}

export interface DeviceInfoRow extends RowBase {
  /** The element as the device sent it, JSON text. */
  payload: string;
}

export interface EventRow extends RowBase {
  event_type: string | null;
  payload: string;
}

export interface RowBatch {
  health: HealthRow[];
  deviceInfo: DeviceInfoRow[];
  events: EventRow[];
}

export function emptyBatch(): RowBatch {
  return { health: [], deviceInfo: [], events: [] };
}

export function batchSize(batch: RowBatch): number {
  return batch.health.length + batch.deviceInfo.length + batch.events.length;
}

export function appendBatch(target: RowBatch, source: RowBatch): void {
  for (const row of source.health) target.health.push(row);
  for (const row of source.deviceInfo) target.deviceInfo.push(row);
  for (const row of source.events) target.events.push(row);
}

/** Upload key -> spec field -> column, for health readings (spec §2). */
export const HEALTH_FIELD_COLUMNS = {
  heart_rate: 'heart_rate',
  blood_oxygen: 'blood_oxygen',
  body_temperature: 'temperature',
  blood_pressure_systolic: 'pressure_high',
  blood_pressure_diastolic: 'pressure_low',
  stress: 'stress',
  step: 'step',
  distance: 'distance',
  calorie: 'calorie',
  latitude: 'latitude',
  longitude: 'longitude',
  altitude: 'altitude',
} as const satisfies Record<string, keyof HealthRow>;
