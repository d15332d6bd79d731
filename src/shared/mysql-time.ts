import type { StoredTime } from './stored-time.js';

/**
 * ISO 8601 UTC `2026-11-29T20:00:00.123Z` -> MySQL DATETIME text `2026-11-29 20:00:00.123`.
 * MariaDB refuses the `Z` in strict mode (error 1292, "Incorrect datetime value"), and MySQL 8
 * reads an offset only from 8.0.19 on; the text without it, in a session at '+00:00', is UTC.
 * Text not of that shape is returned unchanged (the server then refuses it for its row).
 */
export function isoToMysqlDatetime(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, -1)}` : iso;
}

/** DATETIME text as mysql2 returns it with `dateStrings` (`YYYY-MM-DD HH:MM:SS[.fff]`), read as UTC -> ISO 8601 UTC with milliseconds. */
export function mysqlDatetimeToIso(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) return text;
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/**
 * A database's StoredTime (database-settings.ts) as it applies to MySQL's DATETIME columns.
 * `iso-utc` becomes UTC DATETIME text in and out: bounds without the `T`/`Z`, and
 * `substr(create_time, 1, 16)` of a DATETIME, `2026-11-29 20:00`, labelled `2026-11-29T20:00`.
 * `local-datetime` (an adopted original) is already DATETIME text and is returned as it is.
 */
export function mysqlStoredTime(time: StoredTime): StoredTime {
  if (time.format !== 'iso-utc') return time;
  return {
    format: 'iso-utc',
    zone: undefined,
    createTime: isoToMysqlDatetime,
    deviceTime: (iso) => (iso === null ? null : isoToMysqlDatetime(iso)),
    bound: isoToMysqlDatetime,
    minuteLabel: (prefix) => prefix.replace(' ', 'T'),
    toIso: mysqlDatetimeToIso,
  };
}
