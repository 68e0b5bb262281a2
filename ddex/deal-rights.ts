// DDEX deals → the one rights model (listeners/rights-model.ts). Which tiers may stream follows
// the commercial model of each streaming deal; the record for a track is the union of the deals
// that cover it. When deals differ in territory or window, one TrackRights cannot say "free tier
// in FR only, paid tiers everywhere": the union is kept and a warning says so.

import type { Takedown, TrackRights } from '../listeners/rights-model.ts';
import { WORLDWIDE } from '../pipeline/territories.ts';

/** One DealTerms, read. */
export interface DealTerms {
  /** Element path of the DealTerms. */
  path: string;
  /** `WW` or ISO codes. */
  territories: string[];
  excludedTerritories: string[];
  /** ISO-8601 UTC; null = from the release date. */
  startsAt: string | null;
  /** ISO-8601 UTC, exclusive; null = open-ended. */
  endsAt: string | null;
  commercialModels: string[];
  useTypes: string[];
  takedown: boolean;
}

/** AdvertisementSupported → the free tier; Subscription → the paid tiers; FreeOfCharge → every tier. */
export const DEFAULT_TIERS_BY_COMMERCIAL_MODEL: Readonly<Record<string, readonly string[] | null>> = {
  AdvertisementSupportedModel: ['free'],
  SubscriptionModel: ['premium', 'hifi'],
  FreeOfChargeModel: null,
};

/** Use types that mean streaming; a deal with none of them (downloads only) opens no tier. */
export const STREAMING_USE_TYPES: ReadonlySet<string> = new Set(['OnDemandStream', 'Stream', 'NonInteractiveStream']);

export interface RightsOutcome {
  rights: TrackRights;
  takedown: Takedown | null;
  /** Why the record is a union and not exact; empty when exact. */
  approximations: string[];
}

export interface RightsContext {
  /** Release date as `YYYY-MM-DD`: the start of a deal without one. */
  releaseDate: string;
  messageId: string;
  messageCreatedAt: string;
  tiersByCommercialModel: Readonly<Record<string, readonly string[] | null>>;
}

/** Tiers a deal opens: `undefined` = none (not a streaming deal), null = every tier. */
function dealTiers(deal: DealTerms, table: RightsContext['tiersByCommercialModel']): string[] | null | undefined {
  if (deal.takedown || !deal.useTypes.some((use) => STREAMING_USE_TYPES.has(use))) return undefined;
  let tiers: string[] | null | undefined;
  for (const model of deal.commercialModels) {
    if (!(model in table)) continue;
    const opened = table[model];
    if (opened === null || opened === undefined) return null;
    tiers = [...new Set([...(tiers ?? []), ...opened])];
  }
  return tiers;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function rightsFromDeals(deals: readonly DealTerms[], context: RightsContext): RightsOutcome {
  const releaseStart = `${context.releaseDate}T00:00:00.000Z`;
  // A worldwide TakeDown deal takes the track down; one naming countries withdraws those only.
  const takedownDeals = deals.filter((deal) => deal.takedown);
  const takedown: Takedown | null = takedownDeals.some((deal) => deal.territories.includes(WORLDWIDE))
    ? { source: 'ddex', messageId: context.messageId, reason: `TakeDown deal in DDEX message ${context.messageId}`, at: context.messageCreatedAt }
    : null;
  const withdrawn = new Set(takedownDeals.flatMap((deal) => deal.territories.filter((code) => code !== WORLDWIDE)));
  const outcome = licensed(deals, releaseStart, context);
  if (withdrawn.size === 0) return { ...outcome, takedown };
  const { rights } = outcome;
  if (rights.territories.includes(WORLDWIDE)) {
    rights.excludedTerritories = [...new Set([...rights.excludedTerritories, ...withdrawn])];
  } else {
    rights.territories = rights.territories.filter((code) => !withdrawn.has(code));
    if (rights.territories.length === 0) rights.tiers = [];
  }
  return { ...outcome, takedown };
}

function licensed(deals: readonly DealTerms[], releaseStart: string, context: RightsContext): Omit<RightsOutcome, 'takedown'> {

  const streaming = deals
    .map((deal) => ({ deal, tiers: dealTiers(deal, context.tiersByCommercialModel) }))
    .filter((entry): entry is { deal: DealTerms; tiers: string[] | null } => entry.tiers !== undefined);

  if (streaming.length === 0) {
    // Stored, not playable: no deal lets anyone stream it.
    return { rights: { territories: [WORLDWIDE], excludedTerritories: [], startsAt: releaseStart, endsAt: null, tiers: [] }, approximations: [] };
  }

  const tiers = streaming.some((entry) => entry.tiers === null)
    ? null
    : [...new Set(streaming.flatMap((entry) => entry.tiers ?? []))].sort();

  const worldwide = streaming.filter(({ deal }) => deal.territories.includes(WORLDWIDE));
  let territories: string[];
  let excludedTerritories: string[];
  if (worldwide.length > 0) {
    territories = [WORLDWIDE];
    const listedElsewhere = new Set(streaming.filter(({ deal }) => !deal.territories.includes(WORLDWIDE)).flatMap(({ deal }) => deal.territories));
    // A country stays excluded only if every worldwide deal excludes it and no other deal names it.
    excludedTerritories = worldwide[0]!.deal.excludedTerritories.filter(
      (code) => worldwide.every(({ deal }) => deal.excludedTerritories.includes(code)) && !listedElsewhere.has(code),
    );
  } else {
    territories = [...new Set(streaming.flatMap(({ deal }) => deal.territories))].sort();
    excludedTerritories = [];
  }

  const starts = streaming.map(({ deal }) => deal.startsAt ?? releaseStart).sort();
  const ends = streaming.map(({ deal }) => deal.endsAt);
  const startsAt = starts[0]!;
  const endsAt = ends.includes(null) ? null : (ends as string[]).sort().at(-1)!;

  const approximations: string[] = [];
  const first = streaming[0]!.deal;
  const differ = (pick: (deal: DealTerms) => readonly string[]) => streaming.some(({ deal }) => !sameSet(pick(deal), pick(first)));
  const tiersDiffer = streaming.some((entry) => JSON.stringify(entry.tiers) !== JSON.stringify(streaming[0]!.tiers));
  if (tiersDiffer && (differ((d) => d.territories) || differ((d) => d.excludedTerritories))) {
    approximations.push('streaming deals for different tiers cover different territories: every tier gets the union of them');
  }
  if (tiersDiffer && differ((d) => [d.startsAt ?? releaseStart, d.endsAt ?? 'open'])) {
    approximations.push('streaming deals for different tiers have different validity periods: every tier gets the widest window');
  }
  return { rights: { territories, excludedTerritories, startsAt, endsAt, tiers }, approximations };
}
