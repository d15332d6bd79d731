import { describe, expect, it } from 'vitest';
import { decideEviction, infoField, policyFromConfigReply, type EvictionFacts } from '../../../src/shared/eviction-policy.js';

const facts = (policy: string | null, extra: Partial<EvictionFacts> = {}): EvictionFacts => ({ policy, source: policy ? 'config' : null, evictedKeys: 0, ...extra });
const URL = 'redis://10.0.0.7:6379';

describe('reading maxmemory-policy', () => {
  it('from CONFIG GET in RESP2 and RESP3 shapes, and not from an empty answer', () => {
    expect(policyFromConfigReply(['maxmemory-policy', 'allkeys-lru'])).toBe('allkeys-lru');
    expect(policyFromConfigReply(new Map([['maxmemory-policy', 'noeviction']]))).toBe('noeviction');
    expect(policyFromConfigReply({ 'maxmemory-policy': 'volatile-ttl' })).toBe('volatile-ttl');
    expect(policyFromConfigReply([])).toBeUndefined();
    expect(policyFromConfigReply(null)).toBeUndefined();
  });

  it('from an INFO section when CONFIG is renamed', () => {
    const info = '# Memory\r\nused_memory:1000\r\nmaxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n';
    expect(infoField(info, 'maxmemory_policy')).toBe('allkeys-lru');
    expect(infoField('# Stats\r\nevicted_keys:40\r\n', 'evicted_keys')).toBe('40');
    expect(infoField(info, 'evicted_keys')).toBeUndefined();
  });
});

describe('the start-up rule of serve and check consistency', () => {
  it('noeviction proceeds, with or without the override', () => {
    expect(decideEviction(facts('noeviction'), false, URL)).toEqual({ action: 'proceed' });
    expect(decideEviction(facts('noeviction'), true, URL)).toEqual({ action: 'proceed' });
  });

  it('any other policy is refused with the fix in one line naming the server', () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
      const decision = decideEviction(facts(policy), false, URL);
      expect(decision.action, policy).toBe('refuse');
      if (decision.action !== 'refuse') continue;
      expect(decision.message).toContain(`maxmemory-policy ${policy}`);
      expect(decision.hint).toContain(`redis-cli -u ${URL} CONFIG SET maxmemory-policy noeviction`);
      expect(decision.hint).toContain('--allow-eviction');
      expect(decision.hint).not.toContain('\n');
    }
  });

  it('an unreadable policy is refused too (it may evict), naming why it could not be read', () => {
    const decision = decideEviction(facts(null, { unreadable: 'CONFIG GET: ERR unknown command; INFO memory: NOPERM' }), false, URL);
    expect(decision).toMatchObject({ action: 'refuse', message: expect.stringContaining('cannot read maxmemory-policy') });
    expect(decision.action === 'refuse' && decision.message).toContain('NOPERM');
  });

  it('--allow-eviction turns the refusal into a warning that says what may vanish', () => {
    const decision = decideEviction(facts('allkeys-lru'), true, URL);
    expect(decision).toMatchObject({ action: 'warn' });
    expect(decision.action === 'warn' && decision.warning).toMatch(/allkeys-lru.*ledger.*--allow-eviction/);
  });
});
