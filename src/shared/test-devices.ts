/**
 * Devices whose serial starts with this prefix are synthetic (`streamctl validate`, spec §2's
 * STREAM_TEST_000...). The runtime ledgers them apart and the consistency check leaves them out.
 */
export const TEST_DEVICE_PREFIX = 'STREAM_TEST_';

export function isTestDevice(deviceSn: string): boolean {
  return deviceSn.startsWith(TEST_DEVICE_PREFIX);
}
