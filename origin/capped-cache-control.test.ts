import { describe, expect, it } from 'vitest';
import { cacheReachSeconds, cappedCacheControl } from './capped-cache-control.ts';

const SHORT = 'public, max-age=300, s-maxage=86400, stale-while-revalidate=86400';
const VERSIONED = 'public, max-age=31536000, immutable';

describe('cache policies capped at a deadline', () => {
  it('measures how far a policy reaches: the longer freshness plus the longer stale allowance', () => {
    expect(cacheReachSeconds(SHORT)).toBe(172_800);
    expect(cacheReachSeconds(VERSIONED)).toBe(31_536_000);
    expect(cacheReachSeconds('no-store')).toBe(0);
    expect(cacheReachSeconds('Public, S-MaxAge=60, stale-if-error=600')).toBe(660);
  });

  it('keeps a policy that ends before the deadline, and caps one that would outlive it', () => {
    expect(cappedCacheControl(VERSIONED, Infinity)).toBe(VERSIONED);
    expect(cappedCacheControl(VERSIONED, 31_536_000)).toBe(VERSIONED);
    expect(cappedCacheControl(VERSIONED, 3600.9)).toBe('public, max-age=3600');
    expect(cappedCacheControl(SHORT, 200_000)).toBe(SHORT);
    // Stale-while-revalidate would serve it past the deadline: capped, without stale allowances.
    expect(cappedCacheControl(SHORT, 100_000)).toBe('public, max-age=100000');
    expect(cappedCacheControl(SHORT, -5)).toBe('public, max-age=0');
  });
});
