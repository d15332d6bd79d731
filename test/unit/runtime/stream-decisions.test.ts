import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../src/runtime/circuit-breaker.js';
import { compareIds, planTrim, safeTrimId, unconsumedBacklog } from '../../../src/runtime/streams/trim-plan.js';

describe('trim plan', () => {
  const base = { nowMs: 10_000_000, retentionMs: 1_000_000, maxLen: 100 };

  it('compares ids numerically, not as text', () => {
    expect(compareIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareIds('10-2', '10-10')).toBeLessThan(0);
  });

  it('never trims past the oldest pending entry or past what was delivered', () => {
    const groups = [
      { name: 'a', lastDeliveredId: '500-0', pending: 2, oldestPendingId: '300-0', lag: 0 },
      { name: 'b', lastDeliveredId: '400-0', pending: 0, lag: 10 },
    ];
    expect(safeTrimId(groups)).toBe('300-0');
    expect(safeTrimId([groups[1]!])).toBe('400-1');
    expect(safeTrimId([])).toBeUndefined();
  });

  it('trims what retention wants only up to the safe point', () => {
    const groups = [{ name: 'a', lastDeliveredId: '8500000-0', pending: 0, lag: 0 }];
    expect(planTrim({ ...base, length: 50, firstId: '1000-0', lastId: '9000000-0', groups })).toBe('8500000-1');
    const behind = [{ name: 'a', lastDeliveredId: '2000-0', pending: 0, lag: 40 }];
    expect(planTrim({ ...base, length: 50, firstId: '1000-0', lastId: '9000000-0', groups: behind })).toBe('2000-1');
    expect(planTrim({ ...base, length: 50, firstId: '1000-0', lastId: '9000000-0', groups: [] })).toBeUndefined();
  });

  it('cuts to the length cap when the stream is young but long, still below the safe point', () => {
    const groups = [{ name: 'a', lastDeliveredId: '9999999-0', pending: 0, lag: 0 }];
    const cut = planTrim({ ...base, length: 200, firstId: '9500000-0', lastId: '9999000-0', groups });
    expect(cut).toBe('9749500-0');
  });

  it('counts the slowest group as the backlog', () => {
    expect(unconsumedBacklog(100, [{ name: 'a', lastDeliveredId: '1-0', pending: 3, lag: 10 }, { name: 'b', lastDeliveredId: '1-0', pending: 0, lag: 20 }])).toBe(20);
    expect(unconsumedBacklog(100, [])).toBe(100);
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the pause, and closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(breaker.allow()).toBe(true);
      breaker.failure();
    }
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 1_000;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    breaker.failure();
    expect(breaker.state).toBe('open');
    now = 2_000;
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tripCount).toBe(2);
  });
});

describe('consumer read size', () => {
  it('grows while reads come back full, up to five times the base, and shrinks back when they do not', async () => {
    const { nextCount } = await import('../../../src/runtime/streams/consumer.js');
    let count = 200;
    for (let i = 0; i < 6; i++) count = nextCount(count, count, 200);
    expect(count).toBe(1_000);
    expect(nextCount(1_000, 700, 200)).toBe(1_000);
    expect(nextCount(1_000, 10, 200)).toBe(500);
    expect(nextCount(200, 0, 200)).toBe(200);
  });
});
