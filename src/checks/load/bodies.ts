import type { LoadKind } from './mix.js';

/**
 * The body of request `sequence`. Devices take turns (sequence mod devices), and the k-th reading
 * of a device is stamped runStart + k ms: unique per device, so a rehearsal never creates duplicate
 * (device_sn, timestamp) readings, and at most total/devices ms ahead of the run's start.
 * Load devices are not test devices on purpose: a rehearsal's records are exactly what
 * `check consistency` should then account for.
 * Health readings travel in the body's `data` member, as the original's devices send them;
 * device info and events are flat objects.
 */
export function loadBody(kind: LoadKind, devicePrefix: string, devices: number, sequence: number, runStartMs: number): string {
  const sn = `${devicePrefix}${String(sequence % devices).padStart(6, '0')}`;
  const timestamp = runStartMs + Math.floor(sequence / devices);
  if (kind === 'health') {
    const reading = { deviceSn: sn, timestamp, heart_rate: 60 + (sequence % 40), blood_oxygen: 94 + (sequence % 6), body_temperature: 36.2 + (sequence % 10) / 10, step: sequence };
    return JSON.stringify({ data: reading });
  }
  if (kind === 'device') return JSON.stringify({ SerialNumber: sn, timestamp, battery: sequence % 100, firmware: '1.0.0' });
  return JSON.stringify({ deviceSn: sn, timestamp, eventType: sequence % 2 === 0 ? 'wear_on' : 'wear_off' });
}
