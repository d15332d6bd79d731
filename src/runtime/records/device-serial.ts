import type { RecordKind } from '../wire-format.js';

/** Where each kind keeps the device serial, in order of preference (spec §2). */
const SERIAL_KEYS: Record<RecordKind, readonly string[]> = {
  health_data: ['deviceSn', 'id'],
  device_info: ['SerialNumber', 'deviceSn'],
  common_event: ['deviceSn', 'id'],
};

const MAX_SERIAL_LENGTH = 128;

function asSerial(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed.length > 0 && trimmed.length <= MAX_SERIAL_LENGTH ? trimmed : undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The serial of one element, falling back to the envelope's. */
export function elementSerial(kind: RecordKind, element: unknown, fallback?: string): string | undefined {
  if (typeof element === 'object' && element !== null && !Array.isArray(element)) {
    for (const key of SERIAL_KEYS[kind]) {
      if (Object.hasOwn(element, key)) {
        const serial = asSerial((element as Record<string, unknown>)[key]);
        if (serial) return serial;
      }
    }
  }
  return fallback;
}

/** The upload's serial: of the first element of a list, or of the object itself (spec §2). */
export function uploadSerial(kind: RecordKind, data: unknown, envelopeSerial?: string): string | undefined {
  const first = Array.isArray(data) ? data[0] : data;
  return elementSerial(kind, first, envelopeSerial);
}
