import { describe, expect, it } from 'vitest';
import type { TrackAvailability } from '../catalog/types.ts';
import { decidePlayback, refuseAtTime, territoryLicensed } from './rights-decision.ts';
import type { TrackRights } from './rights-model.ts';

const ISRC = 'GBAYE2600001';
const rights = (overrides: Partial<TrackRights> = {}): TrackAvailability => ({
  rights: { territories: ['WW'], excludedTerritories: [], startsAt: '2026-12-24T00:00:00.000Z', endsAt: '2027-01-31T23:59:59.000Z', tiers: null, ...overrides },
  takedown: null,
});
const at = (iso: string) => ({ country: 'GB', tier: null, now: new Date(iso) });

describe('decidePlayback', () => {
  it('honours the start and the end to the second, in UTC', () => {
    const track = rights();
    expect(decidePlayback(ISRC, track, at('2026-12-23T23:59:59.999Z'))).toMatchObject({ status: 404, error: 'not_found' });
    expect(decidePlayback(ISRC, track, at('2026-12-24T00:00:00.000Z'))).toBeNull();
    // The same instant written in another zone is the same decision.
    expect(decidePlayback(ISRC, track, at('2026-12-24T01:00:00+01:00'))).toBeNull();
    expect(decidePlayback(ISRC, track, at('2027-01-31T23:59:58.999Z'))).toBeNull();
    expect(decidePlayback(ISRC, track, at('2027-01-31T23:59:59.000Z'))).toMatchObject({ status: 410, error: 'rights_ended', details: { endsAt: '2027-01-31T23:59:59.000Z' } });
  });

  it('refuses a taken-down track with 410 and its reason, whatever the licence says', () => {
    const down = { ...rights(), takedown: { source: 'operator' as const, reason: 'rights dispute', at: '2026-12-25T10:00:00.000Z' } };
    expect(decidePlayback(ISRC, down, at('2026-12-26T00:00:00Z'))).toEqual({
      status: 410,
      error: 'taken_down',
      message: `${ISRC} was taken down: rights dispute`,
      details: { since: '2026-12-25T10:00:00.000Z', source: 'operator' },
    });
    expect(refuseAtTime(ISRC, down, new Date('2026-12-26T00:00:00Z'))?.status).toBe(410);
    // A DDEX message's takedown names the message, for whoever must lift it.
    const byMessage = { ...rights(), takedown: { source: 'ddex' as const, messageId: 'ALBUM-4', reason: 'TakeDown deal', at: '2026-12-25T10:00:00.000Z' } };
    expect(refuseAtTime(ISRC, byMessage, new Date('2026-12-26T00:00:00Z'))?.details).toEqual({ since: '2026-12-25T10:00:00.000Z', source: 'ddex', messageId: 'ALBUM-4' });
  });

  it('subtracts excluded territories; an unknown country passes only plain worldwide rights', () => {
    const allButFrance = rights({ excludedTerritories: ['FR'] }).rights;
    expect(territoryLicensed(allButFrance, 'GB')).toBe(true);
    expect(territoryLicensed(allButFrance, 'FR')).toBe(false);
    expect(territoryLicensed(allButFrance, null)).toBe(false);
    expect(territoryLicensed(rights().rights, null)).toBe(true);
    const nordic = rights({ territories: ['NO', 'SE'] }).rights;
    expect(territoryLicensed(nordic, 'SE')).toBe(true);
    expect(territoryLicensed(nordic, 'DK')).toBe(false);
    expect(territoryLicensed(nordic, null)).toBe(false);
    expect(decidePlayback(ISRC, rights({ excludedTerritories: ['FR'] }), { country: 'FR', tier: null, now: new Date('2027-01-01T00:00:00Z') })).toMatchObject({
      status: 451,
      error: 'territory_not_licensed',
      details: { country: 'FR' },
    });
  });

  it('refuses a tier the label did not license with 403 once a tier is known', () => {
    const paidOnly = rights({ tiers: ['premium', 'hifi'] });
    const when = new Date('2027-01-01T00:00:00Z');
    expect(decidePlayback(ISRC, paidOnly, { country: 'GB', tier: 'free', now: when })).toEqual({
      status: 403,
      error: 'tier_not_licensed',
      message: 'not licensed on the free tier (licensed: premium, hifi)',
      details: { tier: 'free' },
    });
    expect(decidePlayback(ISRC, paidOnly, { country: 'GB', tier: 'premium', now: when })).toBeNull();
    // No tier known (no listener context yet): no tier restriction.
    expect(decidePlayback(ISRC, paidOnly, { country: 'GB', tier: null, now: when })).toBeNull();
    expect(decidePlayback(ISRC, rights({ tiers: [] }), { country: 'GB', tier: 'hifi', now: when })).toMatchObject({ status: 403, message: 'not licensed on any tier' });
  });

  it('answers 404 for an unknown track', () => {
    expect(decidePlayback(ISRC, null, at('2027-01-01T00:00:00Z'))).toMatchObject({ status: 404, message: `no published track ${ISRC}` });
  });
});
