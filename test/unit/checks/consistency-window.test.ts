import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { minuteLabel, minuteOfLabel, parseAt, settleWindow, windowMinutes } from '../../../src/checks/consistency/window.js';
import { compareStreamIds } from '../../../src/checks/consistency/stream-ids.js';
import { consistencyOptionsFromQuery, consistencyQueryOf } from '../../../src/checks/consistency/query.js';
import { KINDS, LAYOUT } from '../../../src/checks/layout.js';
import { STREAMS } from '../../../src/runtime/wire-format.js';
import { TABLES } from '../../../src/runtime/sinks/schema.js';

describe('settled window', () => {
  it('ends grace before at, aligned down to a minute, and spans whole minutes', () => {
    const at = Date.parse('2024-05-01T12:03:30.500Z');
    const w = settleWindow(at, 3_600_000, 120_000);
    expect(new Date(w.endMs).toISOString()).toBe('2024-05-01T12:01:00.000Z');
    expect(new Date(w.startMs).toISOString()).toBe('2024-05-01T11:01:00.000Z');
    expect(windowMinutes(w)).toHaveLength(60);
    expect(windowMinutes(settleWindow(at, 90_000, 0))).toHaveLength(2);
  });

  it('never ends after at - grace and always holds at least one minute', () => {
    fc.assert(fc.property(fc.integer({ min: 1e12, max: 2e12 }), fc.integer({ min: 1, max: 86_400_000 }), fc.integer({ min: 0, max: 3_600_000 }), (at, win, grace) => {
      const w = settleWindow(at, win, grace);
      return w.endMs <= at - grace && w.endMs > at - grace - 60_000 && w.endMs - w.startMs >= Math.max(60_000, win) && w.startMs % 60_000 === 0;
    }));
  });

  it('reads --at as RFC 3339 or unix time and refuses a time without a zone', () => {
    expect(parseAt('2024-05-01T12:00:00Z')).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(parseAt('2024-05-01T14:00:00+02:00')).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(parseAt('1714564800')).toBe(1_714_564_800_000);
    expect(parseAt('1714564800000')).toBe(1_714_564_800_000);
    expect(() => parseAt('2024-05-01 12:00:00')).toThrow(/no time zone/);
    expect(() => parseAt('yesterday')).toThrow();
  });

  it('labels minutes the way substr(create_time, 1, 16) does', () => {
    const minute = Date.parse('2024-05-01T12:03:00Z') / 60_000;
    expect(minuteLabel(minute)).toBe('2024-05-01T12:03');
    expect(minuteOfLabel('2024-05-01T12:03')).toBe(minute);
    expect(new Date(Date.parse('2024-05-01T12:03:59.999Z')).toISOString().slice(0, 16)).toBe(minuteLabel(minute));
  });

  it('orders stream ids numerically, not as text', () => {
    expect(compareStreamIds('999-0', '1000-0')).toBeLessThan(0);
    expect(compareStreamIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareStreamIds('1000-1', '1000-1')).toBe(0);
  });

  it('carries options through the admin endpoint query unchanged', () => {
    const options = { windowMs: 1_800_000, graceMs: 90_000, atMs: Date.parse('2024-05-01T12:00:00Z'), strict: true, sampleLimit: 3 };
    expect(consistencyOptionsFromQuery(consistencyQueryOf(options))).toEqual({ ...options, clock: 'service' });
    expect(consistencyOptionsFromQuery(new URLSearchParams('window=1h&grace=2m'))).toEqual({ clock: 'service', windowMs: 3_600_000, graceMs: 120_000 });
    expect(() => consistencyOptionsFromQuery(new URLSearchParams('window=soon'))).toThrow(expect.objectContaining({ exitCode: 64 }));
  });

  it('names the same tables, streams and groups as the runtime', () => {
    for (const kind of KINDS) {
      expect(LAYOUT[kind].stream).toBe(STREAMS[kind].stream);
      expect(LAYOUT[kind].group).toBe(STREAMS[kind].group);
    }
    expect([LAYOUT.health_data.table, LAYOUT.device_info.table, LAYOUT.common_event.table]).toEqual([TABLES.health, TABLES.deviceInfo, TABLES.events]);
  });
});
