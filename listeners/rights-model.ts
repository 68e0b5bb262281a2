// The rights model: who may stream a track, where and when. One model for JSON deliveries, DDEX
// deals and `cadence takedown`; the origin decides every grant and media request from it.

/** What a label licensed for one track. Old deliveries map to: their territories, from the
 *  release date (00:00 UTC), no end, every tier. */
export interface TrackRights {
  /** ISO 3166-1 alpha-2 codes, or `['WW']` for worldwide. */
  territories: string[];
  /** Subtracted from `territories` (DDEX ExcludedTerritoryCode; `WW` minus a few countries). */
  excludedTerritories: string[];
  /** ISO-8601 UTC instant from which the track may be streamed. */
  startsAt: string;
  /** ISO-8601 UTC instant from which it may no longer be streamed; null = open-ended. */
  endsAt: string | null;
  /** Tier names that may stream it; null = every tier; [] = stored but not playable. */
  tiers: string[] | null;
}

/** Who may make a takedown: an operator (`cadence takedown`) or a DDEX message (purge, TakeDown deal). */
export type TakedownSource = 'operator' | 'ddex';

/**
 * Who made a takedown, kept as data beside it (never read from its reason): a later DDEX message
 * lifts only a takedown a DDEX message made; `cadence restore` lifts either.
 */
export type TakedownBy = { source: 'operator' } | { source: 'ddex'; /** The MessageId of the message that made it. */ messageId: string };

/** A takedown to make: why, and who makes it (the time is the change's). */
export type TakedownRequest = TakedownBy & { reason: string };

/** A takedown overrides every licence until restored; no media is touched. */
export type Takedown = TakedownRequest & {
  /** ISO-8601 UTC. */
  at: string;
};
