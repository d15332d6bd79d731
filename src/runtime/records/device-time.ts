/**
 * Normalises a device's reading time to ISO 8601 UTC. Devices send unix seconds, unix
 * milliseconds or date strings; anything before 2000 or more than a day ahead is a clock that
 * was never set, so it is treated as absent rather than stored as a wrong date.
 */
const YEAR_2000_MS = 946_684_800_000;
const ONE_DAY_MS = 86_400_000;

/** Zoneless "YYYY-MM-DD HH:MM[:SS[.fff]]" (space or T): the device's wall clock, read as UTC. */
function isoLikeOf(trimmed: string): string {
  return /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(trimmed) ? trimmed.replace(' ', 'T') + 'Z' : trimmed;
}

/**
 * True when a device time sent as text is a time at all: decimal epoch seconds or milliseconds, or
 * a date string. Ingest refuses any other text (400) rather than store the reading without its time.
 */
export function isDeviceTimeText(value: string): boolean {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return true;
  return trimmed !== '' && Number.isFinite(Date.parse(isoLikeOf(trimmed)));
}

export function deviceTimeToIso(value: unknown, nowMs: number): string | null {
  let ms: number;
  if (typeof value === 'number') {
    ms = value > 1e11 ? value : value * 1000;
  } else if (typeof value === 'string' && value.trim() !== '') {
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return deviceTimeToIso(Number(trimmed), nowMs);
    // "2024-05-01 12:00:00" or "2024-05-01T12:00:00" without a zone is the device's wall clock;
    // UTC is the only reading that does not depend on this server's TZ (Date.parse would take it
    // as local time: 04:00Z under Asia/Shanghai).
    const isoLike = isoLikeOf(trimmed);
    ms = Date.parse(isoLike);
  } else {
    return null;
  }
  if (!Number.isFinite(ms) || ms < YEAR_2000_MS || ms > nowMs + ONE_DAY_MS) return null;
  return new Date(ms).toISOString();
}
