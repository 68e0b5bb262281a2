import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease, type ErnDealSpec, type ErnFamily } from '../fixtures/ddex-messages.ts';
import { DEFAULT_TIERS_BY_COMMERCIAL_MODEL, rightsFromDeals, type DealTerms } from './deal-rights.ts';
import { readErnMessage } from './read-ern.ts';
import type { ReleaseDeliveryModel } from './types.ts';

function modelWith(family: ErnFamily, deals: ErnDealSpec[], tracks = 2): ReleaseDeliveryModel {
  const result = readErnMessage(ernMessage(sampleRelease({ family, tracks, deals, createdAt: '2026-12-01T10:00:00Z', messageId: 'MSG-DEALS' })));
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.model as ReleaseDeliveryModel;
}

const stream = (commercialModels: string[], extra: Partial<ErnDealSpec> = {}): ErnDealSpec => ({
  release: 'main',
  commercialModels,
  useTypes: ['OnDemandStream'],
  territories: ['Worldwide'],
  ...extra,
});

describe.each(['3.8.2', '4.3'] as const)('deals → rights, ERN %s', (family) => {
  it('ad-supported streaming opens the free tier only', () => {
    const { tracks } = modelWith(family, [stream(['AdvertisementSupportedModel'])]);
    expect(tracks[0]!.rights).toEqual({ territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: ['free'] });
  });

  it('subscription streaming opens the paid tiers only', () => {
    expect(modelWith(family, [stream(['SubscriptionModel'])]).tracks[0]!.rights.tiers).toEqual(['hifi', 'premium']);
  });

  it('free of charge opens every tier (null)', () => {
    expect(modelWith(family, [stream(['FreeOfChargeModel']), stream(['SubscriptionModel'])]).tracks[0]!.rights.tiers).toBeNull();
  });

  it('takes the union across deals', () => {
    expect(modelWith(family, [stream(['SubscriptionModel']), stream(['AdvertisementSupportedModel'])]).tracks[1]!.rights.tiers).toEqual(['free', 'hifi', 'premium']);
  });

  it('a release with no streaming deal is stored but not playable (tiers [])', () => {
    const downloads = modelWith(family, [stream(['PayAsYouGoModel'], { useTypes: ['PermanentDownload'] })]);
    expect(downloads.tracks.map((t) => t.rights.tiers)).toEqual([[], []]);
    expect(modelWith(family, []).tracks[0]!.rights.tiers).toEqual([]);
    // A streaming use type under a commercial model that opens no tier is not a streaming deal either.
    expect(modelWith(family, [stream(['PayAsYouGoModel'])]).tracks[0]!.rights.tiers).toEqual([]);
  });

  it('NonInteractiveStream and Stream count as streaming', () => {
    expect(modelWith(family, [stream(['SubscriptionModel'], { useTypes: ['NonInteractiveStream'] })]).tracks[0]!.rights.tiers).toEqual(['hifi', 'premium']);
    expect(modelWith(family, [stream(['AdvertisementSupportedModel'], { useTypes: ['Stream'] })]).tracks[0]!.rights.tiers).toEqual(['free']);
  });

  it('Worldwide with an excluded territory', () => {
    const { tracks, release } = modelWith(family, [stream(['SubscriptionModel'], { excluded: ['FR', 'DE'] })]);
    expect(tracks[0]!.rights).toMatchObject({ territories: ['WW'], excludedTerritories: ['FR', 'DE'] });
    expect(release.territories).toEqual(['WW']);
  });

  it('a list of countries', () => {
    const { tracks, release } = modelWith(family, [stream(['SubscriptionModel'], { territories: ['SE', 'NO'] }), stream(['SubscriptionModel'], { territories: ['DK'] })]);
    expect(tracks[0]!.rights).toMatchObject({ territories: ['DK', 'NO', 'SE'], excludedTerritories: [] });
    expect(release.territories).toEqual(['DK', 'NO', 'SE']);
  });

  it('validity period: start at 00:00 UTC, the end date is the last day (exclusive the next midnight)', () => {
    const { tracks } = modelWith(family, [stream(['SubscriptionModel'], { start: '2026-12-05', end: '2027-02-28' })]);
    expect(tracks[0]!.rights).toMatchObject({ startsAt: '2026-12-05T00:00:00.000Z', endsAt: '2027-03-01T00:00:00.000Z' });
  });

  it('a TakeDown deal takes every track of the release down', () => {
    const model = modelWith(family, [stream(['SubscriptionModel'], { takedown: true })]);
    expect(model.takedown).toEqual({ source: 'ddex', messageId: 'MSG-DEALS', reason: 'TakeDown deal in DDEX message MSG-DEALS', at: '2026-12-01T10:00:00.000Z' });
    expect(model.tracks.map((t) => t.takedown?.at)).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.000Z']);
    // The takedown deal opens no tier itself.
    expect(model.tracks[0]!.rights.tiers).toEqual([]);
  });

  it('a TakeDown deal naming countries withdraws those countries only', () => {
    const worldwide = modelWith(family, [stream(['SubscriptionModel']), stream(['SubscriptionModel'], { takedown: true, territories: ['DE', 'FR'] })]);
    expect(worldwide.takedown).toBeNull();
    expect(worldwide.tracks[0]!.takedown).toBeNull();
    expect(worldwide.tracks[0]!.rights).toMatchObject({ territories: ['WW'], excludedTerritories: ['DE', 'FR'], tiers: ['hifi', 'premium'] });

    const listed = modelWith(family, [stream(['SubscriptionModel'], { territories: ['DE', 'SE'] }), stream(['SubscriptionModel'], { takedown: true, territories: ['DE'] })]);
    expect(listed.tracks[0]!.rights).toMatchObject({ territories: ['SE'], excludedTerritories: [], tiers: ['hifi', 'premium'] });

    const all = modelWith(family, [stream(['SubscriptionModel'], { territories: ['DE'] }), stream(['SubscriptionModel'], { takedown: true, territories: ['DE'] })]);
    expect(all.tracks[0]!.rights).toMatchObject({ territories: [], tiers: [] });
  });

  it("a track release's deal applies to that track only", () => {
    const model = modelWith(family, [stream(['SubscriptionModel']), stream(['AdvertisementSupportedModel'], { release: 1 }), stream(['SubscriptionModel'], { release: 0, takedown: true })]);
    expect(model.tracks[0]!.rights.tiers).toEqual(['hifi', 'premium']);
    expect(model.tracks[0]!.takedown).not.toBeNull();
    expect(model.tracks[1]!.rights.tiers).toEqual(['free', 'hifi', 'premium']);
    expect(model.tracks[1]!.takedown).toBeNull();
    expect(model.takedown).toBeNull();
  });

  it('warns when one rights record cannot express deals that differ per tier and territory', () => {
    const result = readErnMessage(
      ernMessage(sampleRelease({ family, tracks: 1, deals: [stream(['SubscriptionModel']), stream(['AdvertisementSupportedModel'], { territories: ['FR'] })] })),
    );
    expect(result.ok).toBe(true);
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', severity: 'warning', path: '/NewReleaseMessage/DealList' }));
  });
});

describe('rightsFromDeals', () => {
  const context = { releaseDate: '2026-11-01', messageId: 'M1', messageCreatedAt: '2026-12-01T00:00:00.000Z', tiersByCommercialModel: DEFAULT_TIERS_BY_COMMERCIAL_MODEL };
  const deal = (over: Partial<DealTerms>): DealTerms => ({
    path: '/d',
    territories: ['WW'],
    excludedTerritories: [],
    startsAt: null,
    endsAt: null,
    commercialModels: ['SubscriptionModel'],
    useTypes: ['OnDemandStream'],
    takedown: false,
    ...over,
  });

  it('keeps an exclusion only when every worldwide deal excludes it and no other deal lists it', () => {
    const outcome = rightsFromDeals(
      [deal({ excludedTerritories: ['FR', 'DE', 'US'] }), deal({ excludedTerritories: ['FR', 'US'] }), deal({ territories: ['US'] })],
      context,
    );
    expect(outcome.rights.excludedTerritories).toEqual(['FR']);
  });

  it('widest window across deals; an open end wins', () => {
    const outcome = rightsFromDeals(
      [deal({ startsAt: '2027-01-01T00:00:00.000Z', endsAt: '2027-06-01T00:00:00.000Z' }), deal({ startsAt: '2026-12-01T00:00:00.000Z', endsAt: null })],
      context,
    );
    expect(outcome.rights).toMatchObject({ startsAt: '2026-12-01T00:00:00.000Z', endsAt: null });
  });

  it('a tier table passed in replaces the default', () => {
    const outcome = rightsFromDeals([deal({ commercialModels: ['SubscriptionModel'] })], { ...context, tiersByCommercialModel: { SubscriptionModel: ['paid'] } });
    expect(outcome.rights.tiers).toEqual(['paid']);
  });
});
