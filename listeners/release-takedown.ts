// Is a whole release taken down? When every published track it lists is taken down (by an
// operator or a DDEX message, one or several changes), nothing of it may be streamed, so its
// artwork goes too: the cover route answers 410 and `cadence takedown` purges the cover from the
// CDN. One track still available keeps the cover. Pure, over Catalog.releaseTakedowns.

import { takedownDetails } from './rights-decision.ts';
import type { Takedown } from './rights-model.ts';

export interface ReleaseRefusal {
  status: 410;
  error: 'release_taken_down';
  message: string;
  /** As a track's `taken_down`: when, by whom (and the DDEX message that did it). */
  details: Record<string, string>;
}

/** Null while at least one track is not taken down, and for a release listing no published track. */
export function refuseRelease(upc: string, takedowns: ReadonlyArray<Takedown | null>): ReleaseRefusal | null {
  if (takedowns.length === 0 || takedowns.some((takedown) => takedown === null)) return null;
  // The last takedown is the one that took the release down: its reason and source are the answer's.
  const last = (takedowns as readonly Takedown[]).reduce((latest, takedown) => (Date.parse(takedown.at) > Date.parse(latest.at) ? takedown : latest));
  return { status: 410, error: 'release_taken_down', message: `release ${upc} was taken down: ${last.reason}`, details: takedownDetails(last) };
}
