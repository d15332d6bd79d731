import { TEST_DEVICE_PREFIX } from '../../shared/test-devices.js';

/**
 * Upload key -> stored column for the health readings validate sends (spec §2's field names).
 * Restated from the runtime's mapping so validate also judges a service it did not build.
 */
export const COMPARED_FIELDS = {
  heart_rate: 'heart_rate',
  blood_oxygen: 'blood_oxygen',
  body_temperature: 'temperature',
  blood_pressure_systolic: 'pressure_high',
  blood_pressure_diastolic: 'pressure_low',
  step: 'step',
  distance: 'distance',
  calorie: 'calorie',
  latitude: 'latitude',
  longitude: 'longitude',
} as const;

export type ComparedColumn = (typeof COMPARED_FIELDS)[keyof typeof COMPARED_FIELDS];

export interface ValidationSample {
  index: number;
  deviceSn: string;
  /** Unique per sample within the run: (device_sn, timestamp) finds exactly this sample's rows. */
  deviceTimeMs: number;
  deviceTimeIso: string;
  /** The reading; the body sent byte for byte to both endpoints is `uploadBody(sample)`. */
  reading: Record<string, unknown>;
  /** What each path must have stored. */
  expected: Record<ComparedColumn, number>;
}

/** Devices per run: spec §2's STREAM_TEST_000.. range, so a run touches at most this many serials. */
export const DEVICES_PER_RUN = 100;

export function deviceSerial(runId: string, index: number): string {
  return `${TEST_DEVICE_PREFIX}${runId}_${String(index % DEVICES_PER_RUN).padStart(3, '0')}`;
}

/**
 * Spec §2's generator (heart_rate 70+i%30, blood_oxygen 95+i%5, body_temperature 36.5+i%2,
 * step 1000+100i) plus fractional fields, so float handling on either path is exercised. The
 * device time is the run's start plus i milliseconds: unique per sample, never in the future by
 * more than the run's sample count in ms.
 */
export function generateSample(runId: string, index: number, runStartMs: number): ValidationSample {
  const i = index;
  const deviceTimeMs = runStartMs + i;
  const reading = {
    deviceSn: deviceSerial(runId, i),
    timestamp: deviceTimeMs,
    heart_rate: 70 + (i % 30),
    blood_oxygen: 95 + (i % 5),
    body_temperature: 36.5 + (i % 2),
    blood_pressure_systolic: 110 + (i % 20),
    blood_pressure_diastolic: 70 + (i % 10),
    step: 1000 + 100 * i,
    distance: Math.round((0.7 * i + 0.123) * 1000) / 1000,
    calorie: 12.34 + i,
    latitude: 31.2304 + i * 1e-5,
    longitude: 121.4737 - i * 1e-5,
  };
  const expected = {} as Record<ComparedColumn, number>;
  for (const [key, column] of Object.entries(COMPARED_FIELDS)) expected[column] = reading[key as keyof typeof reading] as number;
  return { index, deviceSn: reading.deviceSn, deviceTimeMs, deviceTimeIso: new Date(deviceTimeMs).toISOString(), reading, expected };
}

/**
 * The request body of a sample: the reading in a `data` member, as the original's devices and its
 * own validation tool (`generate_test_health_data()`) send it; both endpoints refuse a flat body.
 */
export function uploadBody(sample: ValidationSample): string {
  return JSON.stringify({ data: sample.reading });
}

/** Six hex digits: short enough for a readable serial, enough that concurrent runs do not meet. */
export function newRunId(random: () => number = Math.random): string {
  return Math.floor(random() * 0xffffff).toString(16).padStart(6, '0');
}
