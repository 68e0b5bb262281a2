// The rights decision: may this listener stream this track now? Pure functions over the rights
// model (rights-model.ts), the listener's context and the clock, so the origin can call them on
// every grant and, for the time-bound part, on every media request.

import type { TrackAvailability } from '../catalog/types.ts';
import type { Takedown, TrackRights } from './rights-model.ts';

/** Who is asking, and when. */
export interface ListenerContext {
  /** ISO 3166-1 alpha-2, or null when unknown (then only worldwide rights pass). */
  country: string | null;
  /** The listener's tier; null = no tier known yet, so no tier restriction is applied. */
  tier: string | null;
  now: Date;
}

export type RightsRefusal = {
  status: 403 | 404 | 410 | 451;
  error: 'not_found' | 'taken_down' | 'rights_ended' | 'territory_not_licensed' | 'tier_not_licensed';
  message: string;
  details?: Record<string, string>;
};

/**
 * Refuses or allows a playback grant. Order: unknown or not yet started (404: invisible before its
 * start, so nothing leaks); taken down or past its end (410, gone); territory (451); tier (403).
 */
export function decidePlayback(isrc: string, availability: TrackAvailability | null, listener: ListenerContext): RightsRefusal | null {
  const timed = refuseAtTime(isrc, availability, listener.now);
  if (timed) return timed;
  const { rights } = availability!;
  if (!territoryLicensed(rights, listener.country)) {
    return {
      status: 451,
      error: 'territory_not_licensed',
      message: listener.country ? `not licensed in ${listener.country}` : 'listener country unknown and the track is not licensed worldwide',
      details: { country: listener.country ?? 'unknown' },
    };
  }
  if (listener.tier !== null && rights.tiers !== null && !rights.tiers.includes(listener.tier)) {
    return {
      status: 403,
      error: 'tier_not_licensed',
      message: rights.tiers.length ? `not licensed on the ${listener.tier} tier (licensed: ${rights.tiers.join(', ')})` : `not licensed on any tier`,
      details: { tier: listener.tier },
    };
  }
  return null;
}

/**
 * The part that holds for every listener and changes with time alone: what media requests under
 * an already issued token are checked against. Null = streamable now.
 */
/**
 * A 410's details for a takedown: since when, and who made it — which tells support whether a
 * label's message or an operator has to lift it.
 */
export function takedownDetails(takedown: Takedown): Record<string, string> {
  return { since: takedown.at, source: takedown.source, ...(takedown.source === 'ddex' ? { messageId: takedown.messageId } : {}) };
}

export function refuseAtTime(isrc: string, availability: TrackAvailability | null, now: Date): RightsRefusal | null {
  if (!availability || !isStarted(availability.rights, now)) return { status: 404, error: 'not_found', message: `no published track ${isrc}` };
  const { rights, takedown } = availability;
  if (takedown) return { status: 410, error: 'taken_down', message: `${isrc} was taken down: ${takedown.reason}`, details: takedownDetails(takedown) };
  if (rights.endsAt !== null && now.getTime() >= Date.parse(rights.endsAt)) {
    return { status: 410, error: 'rights_ended', message: `${isrc} may not be streamed since ${rights.endsAt}`, details: { endsAt: rights.endsAt } };
  }
  return null;
}

/** A track before its start date is invisible to listeners (search, metadata, grants). */
export function isStarted(rights: TrackRights, now: Date): boolean {
  return now.getTime() >= Date.parse(rights.startsAt);
}

/** Listed territories (or WW) minus the excluded ones; an unknown country passes only WW without exclusions. */
export function territoryLicensed(rights: TrackRights, country: string | null): boolean {
  const worldwide = rights.territories.includes('WW');
  if (country === null) return worldwide && rights.excludedTerritories.length === 0;
  if (rights.excludedTerritories.includes(country)) return false;
  return worldwide || rights.territories.includes(country);
}
