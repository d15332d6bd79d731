import type { LeaseState } from '../ports/lease.js';

/** Both clocks read at one instant, ms: `mono` from Clock.monotonic(), `wall` from Clock.now(). */
export interface ClockReading {
  mono: number;
  wall: number;
}

/**
 * What a run knows about its lease (pure data, folded by `afterRenewal`). The lease is this run's
 * only while it has been held without a gap since it was acquired: a lease that lapsed even
 * once may have been taken, used and given back by another controller (issue 18: a manual gate
 * outlived the 60 s TTL, a second `cutover` ran to 0.9, then the first set 0.9 -> 0.5).
 */
export interface LeaseView {
  /** When the last granted request was sent: the target counts the TTL from its arrival, later. */
  grantedAt: ClockReading;
  /** The TTL of the last grant, ms. */
  ttlMs: number;
  /** The last renewal's error, while renewals fail; null after a success. */
  lastError: string | null;
  /** Why the lease is no longer this run's; null while it is. Once set, never cleared. */
  lost: string | null;
}

/**
 * Margin kept off the TTL when judging by our own clocks, ms: a tenth (6 s of 60 s) covers a
 * request's transit and the lease keeper's clock running at another rate than ours.
 */
export function marginMs(ttlMs: number): number {
  return ttlMs / 10;
}

export function grantedView(sentAt: ClockReading, state: LeaseState): LeaseView {
  return { grantedAt: sentAt, ttlMs: state.ttlMs, lastError: null, lost: null };
}

/**
 * Time since the last grant, ms, on the longer of the two clocks: the monotonic clock is never
 * stepped back by NTP (a backward wall step must not stretch the lease), but it does not count a
 * suspended machine's sleep, which the wall clock does (a laptop closed at a manual gate).
 */
export function elapsedMs(view: LeaseView, at: ClockReading): number {
  return Math.max(at.mono - view.grantedAt.mono, at.wall - view.grantedAt.wall);
}

/** How long the lease surely stays ours by our own clocks, ms; negative once it may have lapsed. */
export function remainingMs(view: LeaseView, at: ClockReading): number {
  return view.ttlMs - marginMs(view.ttlMs) - elapsedMs(view, at);
}

export type RenewalAnswer = { ok: true; state: LeaseState } | { ok: false; error: string };

/**
 * Pure: the view after a renewal sent at `sentAt` was answered (or failed). The target's word
 * decides when it gives one (`renewed`: still ours, or taken afresh after a lapse); otherwise our
 * clocks do: a renewal sent after the lease may have lapsed cannot restore it, whatever it answers.
 */
export function afterRenewal(view: LeaseView, sentAt: ClockReading, answer: RenewalAnswer): LeaseView {
  if (view.lost !== null) return view;
  if (!answer.ok) {
    // Still failing once the lease may have lapsed: lost now, so a wait (a manual gate) ends at once.
    const failed = { ...view, lastError: answer.error };
    return remainingMs(failed, sentAt) < 0 ? { ...failed, lost: lapsedReason(failed, sentAt) } : failed;
  }
  const { state } = answer;
  if (!state.acquired) return { ...view, lost: `the lease was taken by ${state.holder}` };
  if (state.renewed === false) return { ...view, lost: 'the lease had lapsed at the target before this run renewed it; another controller may have acted meanwhile' };
  if (state.renewed === undefined && remainingMs(view, sentAt) < 0) return { ...view, lost: lapsedReason(view, sentAt) };
  return { grantedAt: sentAt, ttlMs: state.ttlMs, lastError: null, lost: null };
}

export type Standing = { held: true } | { held: false; reason: string };

/**
 * Pure: may the run act as the lease's holder at `at` for `needMs` more (a ratio change's
 * longest request)? Only a lease still inside its TTL by our clocks qualifies.
 */
export function standing(view: LeaseView, at: ClockReading, needMs: number): Standing {
  if (view.lost !== null) return { held: false, reason: view.lost };
  const left = remainingMs(view, at);
  if (left >= needMs) return { held: true };
  return { held: false, reason: left < 0 ? lapsedReason(view, at) : `the lease could not be renewed (${view.lastError ?? 'no answer'}) and has ${Math.floor(left / 1000)} s left, less than the ${Math.ceil(needMs / 1000)} s a ratio change may take` };
}

function lapsedReason(view: LeaseView, at: ClockReading): string {
  const why = view.lastError ? `renewals failed: ${view.lastError}` : 'no renewal in time';
  return `the lease lapsed: ${Math.round(elapsedMs(view, at) / 1000)} s since it was last granted for ${Math.round(view.ttlMs / 1000)} s (${why}); another controller may have acted meanwhile`;
}
