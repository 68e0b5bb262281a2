// The main release's positions + the sound recordings + the deals → tracks in disc/track order,
// each with its rights. Duplicate ISRCs and positions are problems at the content item.

import { rightsFromDeals, type DealTerms, type RightsContext } from './deal-rights.ts';
import type { MainRelease, ReleaseMap } from './ern-release.ts';
import type { Resources } from './ern-resources.ts';
import type { ProblemList } from './problems.ts';
import type { DdexTrack } from './types.ts';

export interface TrackAssembly {
  main: MainRelease;
  resources: Resources;
  releases: ReleaseMap;
  /** ReleaseReference → its deals. */
  deals: Map<string, DealTerms[]>;
  mainDeals: DealTerms[];
  rightsContext: RightsContext;
  problems: ProblemList;
}

export function assembleTracks({ main, resources, releases, deals, mainDeals, rightsContext, problems }: TrackAssembly): { tracks: DdexTrack[]; approximations: Set<string> } {
  const releasesOfResource = new Map<string, string[]>();
  for (const [reference, held] of releases.resourcesByRelease) {
    for (const resource of held) releasesOfResource.set(resource, [...(releasesOfResource.get(resource) ?? []), reference]);
  }
  const tracks: DdexTrack[] = [];
  const firstIsrc = new Map<string, string>();
  const firstPosition = new Map<string, string>();
  const approximations = new Set<string>();
  for (const position of main.positions) {
    const recording = resources.soundRecordings.get(position.reference);
    // Problems of an incomplete recording were reported where it is defined.
    if (!recording?.isrc || !recording.title || !recording.file || recording.artists.length === 0) continue;
    const earlier = firstIsrc.get(recording.isrc);
    if (earlier) problems.error('DUPLICATE', position.path, `ISRC ${recording.isrc} is also ${earlier}`);
    else firstIsrc.set(recording.isrc, position.path);
    const slot = `${position.discNumber}-${position.trackNumber}`;
    const samePosition = firstPosition.get(slot);
    if (samePosition) problems.error('DUPLICATE', position.path, `disc ${position.discNumber} track ${position.trackNumber} is also ${samePosition}`);
    else firstPosition.set(slot, position.path);

    // The main release's deals plus those of any track release holding this recording.
    const trackDeals: DealTerms[] = [...mainDeals];
    let trackReleaseGenre: string | null = null;
    for (const reference of releasesOfResource.get(position.reference) ?? []) {
      if (reference === main.reference) continue;
      trackDeals.push(...(deals.get(reference) ?? []));
      trackReleaseGenre ??= releases.trackReleaseGenres.get(reference) ?? null;
    }
    const outcome = rightsFromDeals(trackDeals, rightsContext);
    for (const note of outcome.approximations) approximations.add(note);
    tracks.push({
      isrc: recording.isrc,
      title: recording.title,
      subtitle: recording.subtitle,
      artists: recording.artists,
      artistRoles: recording.artistRoles,
      trackNumber: position.trackNumber,
      discNumber: position.discNumber,
      durationSeconds: recording.durationSeconds,
      genre: recording.genre ?? trackReleaseGenre ?? main.genre,
      explicit: recording.explicit,
      pLine: recording.pLine,
      master: recording.file,
      rights: outcome.rights,
      takedown: outcome.takedown,
      resourceReference: recording.reference,
      location: recording.path,
    });
  }
  tracks.sort((a, b) => a.discNumber - b.discNumber || a.trackNumber - b.trackNumber);
  return { tracks, approximations };
}
