import { TIME_FORMATS, storedTime, type StoredTime, type TimeFormat } from './stored-time.js';

/**
 * `streamctl_settings(name TEXT PRIMARY KEY, value TEXT NOT NULL)`: what `streamctl serve`
 * decided about a database once, for every later start and for the checks that read it. Its
 * absence means a database serve created before the table existed: ISO 8601 UTC times.
 *
 *   time_format  iso-utc | local-datetime   (stored-time.ts)
 *   time_zone    IANA zone of local-datetime, e.g. Asia/Shanghai
 */
export const SETTINGS_TABLE = 'streamctl_settings';

export const SETTING = {
  timeFormat: 'time_format',
  timeZone: 'time_zone',
} as const;

/**
 * The time format a database's settings name. Throws Error with a message naming the setting
 * when it is unknown (a newer streamctl wrote it) or the zone is not one this runtime knows.
 */
export function storedTimeOf(settings: ReadonlyMap<string, string> | undefined): StoredTime {
  const format = settings?.get(SETTING.timeFormat) ?? 'iso-utc';
  if (!(TIME_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`${SETTINGS_TABLE}.${SETTING.timeFormat} is "${format}"; this streamctl knows ${TIME_FORMATS.join(' and ')}`);
  }
  const zone = settings?.get(SETTING.timeZone);
  try {
    return storedTime(format as TimeFormat, zone);
  } catch {
    throw new Error(`${SETTINGS_TABLE}.${SETTING.timeZone} is ${zone === undefined ? 'missing' : `"${zone}", not a time zone this runtime knows`}; ${format} needs one`);
  }
}
