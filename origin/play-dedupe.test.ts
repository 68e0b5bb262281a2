import { describe, expect, it } from 'vitest';
import { PlayDedupe } from './play-dedupe.ts';

describe('PlayDedupe', () => {
  it('admits one grant per client and track within the window, and again after it', () => {
    let now = 0;
    const dedupe = new PlayDedupe({ windowMs: 1000, now: () => now });
    expect(dedupe.admit('a', 'T1')).toBe(true);
    expect(dedupe.admit('a', 'T1')).toBe(false);
    expect(dedupe.admit('b', 'T1')).toBe(true);
    expect(dedupe.admit('a', 'T2')).toBe(true);
    now = 999;
    expect(dedupe.admit('a', 'T1')).toBe(false);
    now = 1000;
    expect(dedupe.admit('a', 'T1')).toBe(true);
  });

  it('keeps at most maxEntries pairs, and forgets expired ones', () => {
    let now = 0;
    const dedupe = new PlayDedupe({ windowMs: 60_000, maxEntries: 100, now: () => now });
    for (let i = 0; i < 10_000; i++) dedupe.admit(`client-${i}`, 'T1');
    expect(dedupe.size).toBe(100);
    // The newest are still remembered; the oldest were let go.
    expect(dedupe.admit('client-9999', 'T1')).toBe(false);
    expect(dedupe.admit('client-0', 'T1')).toBe(true);
    now = 60_001;
    dedupe.admit('late', 'T1');
    expect(dedupe.size).toBe(1);
  });

  it('a window of 0 admits every grant', () => {
    const dedupe = new PlayDedupe({ windowMs: 0 });
    expect([dedupe.admit('a', 'T1'), dedupe.admit('a', 'T1')]).toEqual([true, true]);
    expect(dedupe.size).toBe(0);
  });
});
