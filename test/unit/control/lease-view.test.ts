import { describe, expect, it } from 'vitest';
import { afterRenewal, grantedView, remainingMs, standing, type ClockReading } from '../../../src/control/lease-view.js';
import type { LeaseState } from '../../../src/ports/lease.js';

const granted: LeaseState = { acquired: true, holder: 'me@h', expiresAt: '', ttlMs: 60_000, kind: 'http' };
const t0: ClockReading = { mono: 1_000, wall: 1_700_000_000_000 };
/** `s` seconds after t0 on the monotonic clock, the wall clock `wallShift` ms apart from it. */
const at = (s: number, wallShift = 0): ClockReading => ({ mono: t0.mono + s * 1000, wall: t0.wall + s * 1000 + wallShift });
const ok = (extra: Partial<LeaseState> = {}) => ({ ok: true as const, state: { ...granted, ...extra } });

describe('the lease a run holds (pure)', () => {
  const view = grantedView(t0, granted);

  it('is held for the TTL less a tenth, counted from when the request was sent', () => {
    expect(remainingMs(view, at(0))).toBe(54_000);
    expect(standing(view, at(38), 15_000)).toEqual({ held: true });
    expect(standing(view, at(40), 15_000)).toMatchObject({ held: false, reason: expect.stringContaining('could not be renewed') });
    expect(standing(view, at(55), 0)).toMatchObject({ held: false, reason: expect.stringContaining('the lease lapsed: 55 s') });
  });

  it('a renewal in time extends it; one taken by another holder loses it for good', () => {
    const renewed = afterRenewal(view, at(20), ok({ renewed: true }));
    expect(remainingMs(renewed, at(60))).toBe(14_000);
    const taken = afterRenewal(renewed, at(40), { ok: true, state: { ...granted, acquired: false, holder: 'other@h' } });
    expect(taken.lost).toBe('the lease was taken by other@h');
    expect(afterRenewal(taken, at(41), ok({ renewed: true })).lost).toBe('the lease was taken by other@h');
  });

  it('a backward wall step does not stretch it; a forward one (a suspended machine) shortens it', () => {
    expect(remainingMs(view, at(50, -120_000))).toBe(4_000);
    expect(remainingMs(view, at(5, 600_000))).toBeLessThan(0);
  });

  it('the target\'s word decides continuity when it gives one, our clocks when it does not', () => {
    // A renewal sent after the lease may have lapsed cannot restore it, whatever it answers...
    expect(afterRenewal(view, at(70), ok()).lost).toContain('the lease lapsed: 70 s');
    expect(afterRenewal(view, at(5, 600_000), ok()).lost).toContain('lapsed');
    // ...unless the target says it was still ours (a forward wall step, not a gap)...
    expect(afterRenewal(view, at(5, 600_000), ok({ renewed: true })).lost).toBeNull();
    // ...and a target that took it afresh says there was a gap, even when our clocks saw none.
    expect(afterRenewal(view, at(5), ok({ renewed: false })).lost).toContain('had lapsed at the target');
  });

  it('a failed renewal changes nothing but the last error', () => {
    const failed = afterRenewal(view, at(20), { ok: false, error: 'connect ECONNREFUSED' });
    expect(failed).toMatchObject({ lost: null, lastError: 'connect ECONNREFUSED', grantedAt: t0 });
    expect(standing(failed, at(60), 0)).toMatchObject({ held: false, reason: expect.stringContaining('renewals failed: connect ECONNREFUSED') });
    // Failing still once it may have lapsed: lost at once, not at the next ratio change.
    expect(afterRenewal(failed, at(56), { ok: false, error: 'timeout' }).lost).toContain('the lease lapsed: 56 s');
  });
});
