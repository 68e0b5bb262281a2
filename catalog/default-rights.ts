// The rights a track has when its delivery said nothing more than the release's territories and
// date: the meaning every old catalog and old delivery keeps.

import type { TrackRights } from '../listeners/rights-model.ts';
import type { ReleaseRecord } from './types.ts';

/** 00:00 UTC of a `YYYY-MM-DD` date, as an ISO-8601 instant. */
export function startOfUtcDay(date: string): string {
  return `${date}T00:00:00.000Z`;
}

/** The release's territories, from its release date (00:00 UTC), no end, every tier. */
export function releaseRights(release: Pick<ReleaseRecord, 'territories' | 'releaseDate'>): TrackRights {
  return { territories: [...release.territories], excludedTerritories: [], startsAt: startOfUtcDay(release.releaseDate), endsAt: null, tiers: null };
}
