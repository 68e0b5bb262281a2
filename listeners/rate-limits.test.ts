import { describe, expect, it } from 'vitest';
import { createRateLimits, DEFAULT_RATE_LIMITS, parseRateLimits } from './rate-limits.ts';

describe('parseRateLimits', () => {
  it('overrides defaults entry by entry, turns entries or everything off, and names a bad entry', () => {
    const parsed = parseRateLimits('grant.listener=5/10,search.address=off', DEFAULT_RATE_LIMITS);
    expect(parsed['grant.listener']).toEqual({ points: 5, seconds: 10 });
    expect(parsed['search.address']).toBeUndefined();
    expect(parsed['positions.listener']).toEqual(DEFAULT_RATE_LIMITS['positions.listener']);
    expect(parseRateLimits('off', DEFAULT_RATE_LIMITS)).toEqual({});
    for (const bad of ['grant=5/10', 'grant.listener=0/10', 'grant.listener=5', 'stream.listener=5/10', 'grant.listener=5/10s']) {
      expect(() => parseRateLimits(bad), bad).toThrow(/CADENCE_RATE_LIMITS: .* must be/);
    }
  });
});

describe('createRateLimits (memory)', () => {
  it('refuses past the budget with a Retry-After, per key, then recovers', async () => {
    const limits = createRateLimits({ settings: { 'grant.listener': { points: 2, seconds: 1 }, 'grant.address': { points: 3, seconds: 1 } } });
    expect(await limits.consume('grant', { listener: 'a', address: '10.0.0.1' })).toEqual({ ok: true });
    expect(await limits.consume('grant', { listener: 'a', address: '10.0.0.1' })).toEqual({ ok: true });
    expect(await limits.consume('grant', { listener: 'a', address: '10.0.0.1' })).toEqual({ ok: false, scope: 'listener', retryAfterSeconds: 1 });
    // Another listener at the same address uses the address budget (3rd point), then hits it.
    expect(await limits.consume('grant', { listener: 'b', address: '10.0.0.1' })).toEqual({ ok: true });
    expect(await limits.consume('grant', { listener: 'c', address: '10.0.0.1' })).toMatchObject({ ok: false, scope: 'address' });
    // Unlimited actions pass.
    expect(limits.limits('grant')).toBe(true);
    expect(limits.limits('search')).toBe(false);
    expect(limits.limits('grant', 'address')).toBe(true);
    expect(limits.limits('positions', 'listener')).toBe(false);
    expect(await limits.consume('search', { listener: 'a', address: '10.0.0.1' })).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await limits.consume('grant', { listener: 'a', address: '10.0.0.1' })).toEqual({ ok: true });
  });
});
