/**
 * How times are written as text in the database, and how they are read back. Two formats:
 *
 * - `iso-utc` (streamctl's own databases): `2026-11-29T20:00:00.000Z`. Sorts as time in both
 *   engines, needs no zone to read, and `substr(create_time, 1, 16)` is the UTC minute.
 * - `local-datetime` (a database adopted from the original service): `2026-11-30 04:00:00`, the
 *   wall clock of one named zone, second precision — what the original's models.py writes (its
 *   stand-in for MySQL `NOW()` into a DATETIME). The original's `verify_database_consistency()`
 *   compares `create_time >= '<now - 1h, local>'` as text and groups duplicates by
 *   `(device_sn, timestamp)` text, so rows it must count have to be written in this format: an
 *   ISO row sorts after every local row of the same date (`'T'` > `' '`) and never groups with
 *   the original's rows of the same reading.
 *
 * The zone is named explicitly (recorded in the database, see database-settings.ts) rather than
 * taken from the process, so `check consistency` run from a cron job with another TZ still reads
 * the rows right. Wall-clock text cannot tell apart the hour a zone repeats when it leaves
 * summer time: rows of that hour sort together, as they do for the original's own check.
 */
export type TimeFormat = 'iso-utc' | 'local-datetime';

export const TIME_FORMATS: readonly TimeFormat[] = ['iso-utc', 'local-datetime'];

export interface StoredTime {
  readonly format: TimeFormat;
  /** IANA zone of `local-datetime`; undefined for `iso-utc`. */
  readonly zone: string | undefined;
  /** Server acceptance time (ISO 8601 UTC) -> create_time text. */
  createTime(iso: string): string;
  /**
   * Device time (ISO 8601 UTC, or null when the device sent none) -> timestamp text. In
   * `local-datetime` a missing device time is written as the acceptance time, as the original
   * does (`_parse_timestamp()` falls back to now, its stream consumer always writes now): its
   * duplicate check groups NULL timestamps together, so NULLs from one device within the hour
   * would read there as duplicates. A device time sent as zone-less text ("2025-11-25 00:00:00")
   * was read as UTC (records/device-time.ts) and is written here in the zone: on a host not in
   * UTC that differs from the original's verbatim copy. The clients send unix seconds.
   */
  deviceTime(iso: string | null, acceptedIso: string): string | null;
  /** A window bound (ISO 8601 UTC, whole minute) -> text to compare create_time with. */
  bound(iso: string): string;
  /** `substr(create_time, 1, 16)` of a stored row -> its UTC minute, `YYYY-MM-DDTHH:MM`. */
  minuteLabel(prefix: string): string;
  /** Stored time text -> ISO 8601 UTC; text in neither format is returned unchanged. */
  toIso(text: string): string;
}

const ISO_UTC: StoredTime = {
  format: 'iso-utc',
  zone: undefined,
  createTime: (iso) => iso,
  deviceTime: (iso) => iso,
  bound: (iso) => iso,
  minuteLabel: (prefix) => prefix,
  toIso: (text) => text,
};

/** Throws RangeError for a zone name this runtime's ICU does not know. */
export function storedTime(format: TimeFormat, zone?: string): StoredTime {
  if (format === 'iso-utc') return ISO_UTC;
  if (!zone) throw new RangeError('local-datetime needs a time zone');
  return localDatetime(zone);
}

/** This process's zone (honours TZ), recorded when a database is adopted. */
export function processTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Offsets are looked up once per 15 minutes of UTC: every zone in use changes its offset only on
 * a quarter hour (offsets are multiples of 15 min, changes happen at :00 or :30 local), and Intl
 * costs ~2 us a call against ~0.1 us for a map hit, on a path that writes every row.
 */
const QUARTER_HOUR_MS = 900_000;
const MAX_CACHED_OFFSETS = 20_000;

/** utcMs -> offset of `zone` at that instant, in ms (east of UTC positive). */
export function zoneOffset(zone: string): (utcMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  const cache = new Map<number, number>();
  return (utcMs) => {
    const bucket = Math.floor(utcMs / QUARTER_HOUR_MS);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      const start = bucket * QUARTER_HOUR_MS;
      const part: Record<string, number> = {};
      for (const p of format.formatToParts(new Date(start))) if (p.type !== 'literal') part[p.type] = Number(p.value);
      offset = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!) - start;
      if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
      cache.set(bucket, offset);
    }
    return offset;
  };
}

const LOCAL_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)$/;

function localDatetime(zone: string): StoredTime {
  const offset = zoneOffset(zone);
  /** `YYYY-MM-DD HH:MM:SS`, plus `.mmm` when asked and the instant has milliseconds. */
  const text = (utcMs: number, keepMillis: boolean): string => {
    const wall = new Date(utcMs + offset(utcMs)).toISOString();
    const seconds = wall.slice(0, 10) + ' ' + wall.slice(11, 19);
    return keepMillis && utcMs % 1000 !== 0 ? seconds + wall.slice(19, 23) : seconds;
  };
  /** Wall-clock ms (read as if UTC) -> the instant; the second pass settles a change of offset in between. */
  const instant = (wallMs: number): number => wallMs - offset(wallMs - offset(wallMs));
  let lastIn = '';
  let lastOut = '';
  const createTime = (iso: string): string => {
    // One upload's rows, and a batch's, share their acceptance time: remember the last one.
    if (iso !== lastIn) {
      lastOut = text(Date.parse(iso), false);
      lastIn = iso;
    }
    return lastOut;
  };
  return {
    format: 'local-datetime',
    zone,
    createTime,
    // Milliseconds are kept only when the device sent them: whole seconds (the clients' unix
    // seconds) give exactly the original's text, so the same reading groups with the original's
    // row; two readings within one second stay two rows (the original would drop the second).
    deviceTime: (iso, acceptedIso) => (iso === null ? createTime(acceptedIso) : text(Date.parse(iso), true)),
    bound: (iso) => text(Date.parse(iso), false),
    minuteLabel: (prefix) => new Date(instant(Date.parse(`${prefix.replace(' ', 'T')}:00.000Z`))).toISOString().slice(0, 16),
    toIso: (stored) => {
      const match = LOCAL_TEXT.exec(stored);
      if (!match) return stored;
      const wallMs = Date.parse(`${match[1]}T${match[2]}Z`);
      return Number.isFinite(wallMs) ? new Date(instant(wallMs)).toISOString() : stored;
    },
  };
}
