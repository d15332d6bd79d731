import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SETTING, storedTimeOf } from '../../../src/shared/database-settings.js';
import { storedTime, zoneOffset } from '../../../src/shared/stored-time.js';

const settings = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('iso-utc', () => {
  it('stores and reads ISO 8601 UTC text unchanged; a missing device time stays NULL', () => {
    const time = storedTime('iso-utc');
    expect(time.createTime('2026-11-29T20:00:00.123Z')).toBe('2026-11-29T20:00:00.123Z');
    expect(time.deviceTime('2025-11-24T16:00:00.000Z', '2026-11-29T20:00:00.123Z')).toBe('2025-11-24T16:00:00.000Z');
    expect(time.deviceTime(null, '2026-11-29T20:00:00.123Z')).toBeNull();
    expect(time.bound('2026-11-29T20:00:00.000Z')).toBe('2026-11-29T20:00:00.000Z');
    expect(time.minuteLabel('2026-11-29T20:03')).toBe('2026-11-29T20:03');
    expect(time.toIso('2026-11-29T20:00:00.000Z')).toBe('2026-11-29T20:00:00.000Z');
  });
});

describe('local-datetime (the original service\'s format)', () => {
  // Python under TZ=Asia/Shanghai: datetime.fromtimestamp(1764000000) -> 2025-11-25 00:00:00.
  const shanghai = storedTime('local-datetime', 'Asia/Shanghai');

  it('writes create_time as YYYY-MM-DD HH:MM:SS in the zone, second precision, like models.py fmt_dt(datetime.now())', () => {
    expect(shanghai.createTime('2026-11-29T20:00:00.999Z')).toBe('2026-11-30 04:00:00');
    expect(shanghai.bound('2026-11-29T19:00:00.000Z')).toBe('2026-11-30 03:00:00');
  });

  it('writes a whole-second device time exactly as the original batch path does, and keeps milliseconds only when sent', () => {
    expect(shanghai.deviceTime('2025-11-24T16:00:00.000Z', '2026-11-29T20:00:00.000Z')).toBe('2025-11-25 00:00:00');
    expect(shanghai.deviceTime('2025-11-24T16:00:00.123Z', '2026-11-29T20:00:00.000Z')).toBe('2025-11-25 00:00:00.123');
  });

  it('writes the acceptance time for a missing device time, as the original does (its duplicate check groups NULLs)', () => {
    expect(shanghai.deviceTime(null, '2026-11-29T20:00:05.250Z')).toBe('2026-11-30 04:00:05');
  });

  it('reads a local minute back as its UTC minute, and stored text back as ISO', () => {
    expect(shanghai.minuteLabel('2026-11-30 04:03')).toBe('2026-11-29T20:03');
    expect(shanghai.toIso('2025-11-25 00:00:00')).toBe('2025-11-24T16:00:00.000Z');
    expect(shanghai.toIso('2025-11-25 00:00:00.123')).toBe('2025-11-24T16:00:00.123Z');
    expect(shanghai.toIso('not a time')).toBe('not a time');
  });

  it('follows summer time: New York is UTC-4 in July and UTC-5 in December', () => {
    const newYork = storedTime('local-datetime', 'America/New_York');
    expect(newYork.createTime('2026-07-01T12:00:00.000Z')).toBe('2026-07-01 08:00:00');
    expect(newYork.createTime('2026-12-01T12:00:00.000Z')).toBe('2026-12-01 07:00:00');
    expect(newYork.minuteLabel('2026-07-01 08:00')).toBe('2026-07-01T12:00');
    expect(newYork.minuteLabel('2026-12-01 07:00')).toBe('2026-12-01T12:00');
    // Python under TZ=America/New_York: 05:30Z and 06:30Z on 2025-11-02 are both "01:30:00".
    // Wall-clock text cannot tell them apart; the original's own rows have the same limit.
    expect(newYork.createTime('2025-11-02T05:30:00.000Z')).toBe('2025-11-02 01:30:00');
    expect(newYork.createTime('2025-11-02T06:30:00.000Z')).toBe('2025-11-02 01:30:00');
  });

  it('handles zones a quarter or half hour off UTC', () => {
    expect(storedTime('local-datetime', 'Asia/Kathmandu').createTime('2026-01-01T00:00:00.000Z')).toBe('2026-01-01 05:45:00');
    expect(storedTime('local-datetime', 'Asia/Kolkata').minuteLabel('2026-01-01 05:30')).toBe('2026-01-01T00:00');
    expect(zoneOffset('Asia/Kathmandu')(Date.parse('2026-01-01T00:00:00Z'))).toBe((5 * 60 + 45) * 60_000);
  });

  it('sorts as time: text order is instant order (zone without summer time), so create_time >= bound means what it says', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2090-01-01T00:00:00Z') }), fc.integer({ min: 0, max: 86_400_000 * 400 }), (a, gap) => {
        const first = shanghai.createTime(new Date(a).toISOString());
        const second = shanghai.createTime(new Date(a + gap).toISOString());
        expect(first <= second).toBe(true);
      }),
    );
  });

  it('round-trips a device time through its stored text (outside a repeated hour)', () => {
    const kolkata = storedTime('local-datetime', 'Asia/Kolkata');
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2090-01-01T00:00:00Z') }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(kolkata.toIso(kolkata.deviceTime(iso, iso)!)).toBe(iso);
        expect(shanghai.toIso(shanghai.deviceTime(iso, iso)!)).toBe(iso);
      }),
    );
  });
});

describe('storedTimeOf (streamctl_settings)', () => {
  it('reads the format and zone; no settings table means a serve database of before: iso-utc', () => {
    expect(storedTimeOf(undefined).format).toBe('iso-utc');
    expect(storedTimeOf(settings({})).format).toBe('iso-utc');
    const local = storedTimeOf(settings({ [SETTING.timeFormat]: 'local-datetime', [SETTING.timeZone]: 'Asia/Shanghai' }));
    expect([local.format, local.zone]).toEqual(['local-datetime', 'Asia/Shanghai']);
  });

  it('names the setting that is wrong', () => {
    expect(() => storedTimeOf(settings({ [SETTING.timeFormat]: 'epoch' }))).toThrow('streamctl_settings.time_format is "epoch"; this streamctl knows iso-utc and local-datetime');
    expect(() => storedTimeOf(settings({ [SETTING.timeFormat]: 'local-datetime' }))).toThrow('streamctl_settings.time_zone is missing; local-datetime needs one');
    expect(() => storedTimeOf(settings({ [SETTING.timeFormat]: 'local-datetime', [SETTING.timeZone]: 'Mars/Olympus' }))).toThrow('"Mars/Olympus", not a time zone this runtime knows');
  });
});
