// A track no release lists any more (a DDEX update dropped it from its last release,
// catalog/membership-statements.ts) is gone: its metadata and grants answer 410 with the reason,
// even if someone restored it by hand. Its media stays stored, so listing it again plays at once.

import type { TrackAvailability, TrackView } from '../catalog/types.ts';

export interface GoneAnswer {
  status: 410;
  error: 'not_on_any_release';
  message: string;
  details?: Record<string, string>;
}

export function notOnAnyRelease(track: Pick<TrackView, 'isrc' | 'releases'>, availability: TrackAvailability | null): GoneAnswer | null {
  if (track.releases.length > 0) return null;
  const why = availability?.takedown ? ` (${availability.takedown.reason})` : '';
  return { status: 410, error: 'not_on_any_release', message: `${track.isrc} is on no release any more${why}` };
}
