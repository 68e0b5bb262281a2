import { describe, expect, it } from 'vitest';
import { deliveryRights, parseInstant } from './delivery-rights.ts';

const release = { territories: ['GB', 'IE'], releaseDate: '2026-11-01' };

describe('delivery rights', () => {
  it('keeps the old meaning when a delivery says nothing: release territories, from its date, no end, every tier', () => {
    expect(deliveryRights(release, [{ isrc: 'GBAYE2600001' }])).toEqual({
      rights: [{ territories: ['GB', 'IE'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: null }],
      problems: [],
    });
  });

  it('lets a track override the release field by field, instants normalised to UTC', () => {
    const { rights, problems } = deliveryRights(
      { ...release, rights: { territories: ['WW'], excludedTerritories: ['FR'], endsAt: '2027-06-30', tiers: ['premium', 'hifi'] } },
      [{ isrc: 'GBAYE2600001' }, { isrc: 'GBAYE2600002', rights: { startsAt: '2026-12-24T18:00:00+01:00', tiers: ['hifi'] } }],
    );
    expect(problems).toEqual([]);
    expect(rights).toEqual([
      { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-06-30T00:00:00.000Z', tiers: ['premium', 'hifi'] },
      { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-12-24T17:00:00.000Z', endsAt: '2027-06-30T00:00:00.000Z', tiers: ['hifi'] },
    ]);
  });

  it('names every impossible date, an end not after its start, and bad territories', () => {
    const { problems } = deliveryRights({ ...release, rights: { startsAt: '2026-02-30', excludedTerritories: ['WW', 'XX'] } }, [
      { isrc: 'GBAYE2600001', rights: { startsAt: '2027-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' } },
      { isrc: 'GBAYE2600002', rights: { endsAt: '2026-12-01T24:00:00Z', territories: ['WW', 'GB'] } },
      { isrc: 'GBAYE2600003', rights: { startsAt: '2026-12-01T10:00:00' } },
    ]);
    expect(problems).toEqual([
      { where: 'release.rights.excludedTerritories[0]', message: 'WW cannot be excluded' },
      { where: 'release.rights.excludedTerritories[1]', message: 'XX is not an ISO 3166-1 country code' },
      { where: 'release.rights.startsAt', message: '"2026-02-30" is not a real date (YYYY-MM-DD) or date-time with a zone (2026-11-01T00:00:00Z)' },
      { where: 'tracks[0] (GBAYE2600001).rights.endsAt', message: '2027-01-01T00:00:00.000Z is not after the start 2027-01-01T00:00:00.000Z' },
      { where: 'tracks[1] (GBAYE2600002).rights.territories', message: 'WW (worldwide) cannot be combined with country codes' },
      { where: 'tracks[1] (GBAYE2600002).rights.endsAt', message: '"2026-12-01T24:00:00Z" is not a real date (YYYY-MM-DD) or date-time with a zone (2026-11-01T00:00:00Z)' },
      { where: 'tracks[2] (GBAYE2600003).rights.startsAt', message: '"2026-12-01T10:00:00" is not a real date (YYYY-MM-DD) or date-time with a zone (2026-11-01T00:00:00Z)' },
    ]);
  });

  it('parses instants strictly', () => {
    expect(parseInstant('2026-11-01')).toBe('2026-11-01T00:00:00.000Z');
    expect(parseInstant('2026-11-01T23:59:59.5-05:30')).toBe('2026-11-02T05:29:59.500Z');
    for (const bad of ['2026-13-01', '2026-11-31T00:00Z', '2026-11-01T12:60:00Z', '2026-11-01T12:00:00+25:00', 'tomorrow', '2026-11-01 12:00:00Z']) expect(parseInstant(bad), bad).toBeNull();
  });
});
