import { ingestId } from '../../shared/ingest-id.js';
import { decimalValue } from './decimal.js';
import type { RecordKind } from '../wire-format.js';
import { deviceTimeToIso } from './device-time.js';
import { elementSerial, uploadSerial } from './device-serial.js';
import { emptyBatch, type RowBatch, type UploadMethod } from './rows.js';

export interface UploadContext {
  /** Unique per accepted upload (the stream entry's uuid); see shared/ingest-id.ts for the row ids. */
  ingestKey: string;
  acceptedAtMs: number;
  uploadMethod: UploadMethod;
  envelopeSerial?: string;
}

/** A record that can never be persisted as it is; retrying will not help. */
export class UnpersistableRecordError extends Error {
  override name = 'UnpersistableRecordError';
}


function toText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function elementsOf(data: unknown): unknown[] {
  return Array.isArray(data) ? data : [data];
}

function asObject(element: unknown, index: number): Record<string, unknown> {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    throw new UnpersistableRecordError(`element ${index} is not a JSON object`);
  }
  return element as Record<string, unknown>;
}

/**
 * Turns one upload into rows: every element of a list becomes its own row (the original kept
 * only the first), stamped with the device's time and the server's acceptance time.
 */
export function uploadToRows(kind: RecordKind, data: unknown, context: UploadContext): RowBatch {
  const batch = emptyBatch();
  const elements = elementsOf(data);
  if (elements.length === 0) throw new UnpersistableRecordError('upload holds an empty list');
  const fallbackSerial = uploadSerial(kind, data, context.envelopeSerial);
  const createTime = new Date(context.acceptedAtMs).toISOString();
  for (let index = 0; index < elements.length; index++) {
    const fields = asObject(elements[index], index);
    const deviceSn = elementSerial(kind, fields, fallbackSerial);
    if (!deviceSn) throw new UnpersistableRecordError(`element ${index} has no device serial`);
    const rowId = ingestId(context.acceptedAtMs, context.ingestKey, index);
    const timestamp = deviceTimeToIso(fields.timestamp, context.acceptedAtMs);
    // One object literal per kind: every row of a table has the same shape, which keeps the
    // consumer's hot loop and the database binding monomorphic (a spread plus a loop cost 3x).
    if (kind === 'health_data') {
      batch.health.push({
        ingest_id: rowId, device_sn: deviceSn, timestamp, create_time: createTime, upload_method: context.uploadMethod,
        heart_rate: decimalValue(fields.heart_rate),
        blood_oxygen: decimalValue(fields.blood_oxygen),
        temperature: decimalValue(fields.body_temperature),
        pressure_high: decimalValue(fields.blood_pressure_systolic),
        pressure_low: decimalValue(fields.blood_pressure_diastolic),
        stress: decimalValue(fields.stress),
        step: decimalValue(fields.step),
        distance: decimalValue(fields.distance),
        calorie: decimalValue(fields.calorie),
        latitude: decimalValue(fields.latitude),
        longitude: decimalValue(fields.longitude),
        altitude: decimalValue(fields.altitude),
        sleep: toText(fields.sleepData),
      });
    } else if (kind === 'device_info') {
      batch.deviceInfo.push({ ingest_id: rowId, device_sn: deviceSn, timestamp, create_time: createTime, upload_method: context.uploadMethod, payload: JSON.stringify(fields) });
    } else {
      batch.events.push({ ingest_id: rowId, device_sn: deviceSn, timestamp, create_time: createTime, upload_method: context.uploadMethod, event_type: toText(fields.eventType), payload: JSON.stringify(fields) });
    }
  }
  return batch;
}
