import type { RoutingMode } from '../options.js';

export type IngestPath = 'stream' | 'traditional';

/** FNV-1a, 32 bits: fast, stable across processes and versions, and well spread for serials. */
export function serialHash(serial: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < serial.length; i++) {
    hash ^= serial.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Which path a legacy upload takes. `device` routing places each serial at a fixed point in
 * [0, 1): raising the ratio only ever moves devices from traditional to stream, so a device's
 * records stay on one path within a step and never bounce between them.
 */
export function choosePath(ratio: number, mode: RoutingMode, deviceSn: string, random: () => number = Math.random): IngestPath {
  if (ratio <= 0) return 'traditional';
  if (ratio >= 1) return 'stream';
  const point = mode === 'device' ? serialHash(deviceSn) / 0x1_0000_0000 : random();
  return point < ratio ? 'stream' : 'traditional';
}
