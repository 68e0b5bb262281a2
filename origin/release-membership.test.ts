import { describe, expect, it } from 'vitest';
import { notOnAnyRelease } from './release-membership.ts';

const rights = { territories: ['WW'], excludedTerritories: [], startsAt: '2026-01-01T00:00:00.000Z', endsAt: null, tiers: null };

describe('a track on no release', () => {
  it('is gone (410) with the reason it was taken down; a track on a release is not', () => {
    const down = { rights, takedown: { source: 'ddex' as const, messageId: 'M-2', reason: 'dropped from release 012345678905 (now on no release) in DDEX message M-2', at: '2026-12-01T10:00:00.000Z' } };
    expect(notOnAnyRelease({ isrc: 'GBAYE2600003', releases: [] }, down)).toEqual({
      status: 410,
      error: 'not_on_any_release',
      message: 'GBAYE2600003 is on no release any more (dropped from release 012345678905 (now on no release) in DDEX message M-2)',
    });
    expect(notOnAnyRelease({ isrc: 'GBAYE2600003', releases: [] }, { rights, takedown: null })?.message).toBe('GBAYE2600003 is on no release any more');
    expect(notOnAnyRelease({ isrc: 'GBAYE2600001', releases: [{ upc: '012345678905', title: 'Aurora', trackNumber: 1, discNumber: 1 }] }, down)).toBeNull();
  });
});
