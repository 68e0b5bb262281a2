// ReleaseList → the main release (an Album/Single/EP, or the one marked IsMainRelease; in ERN 4
// the one `Release` beside its `TrackRelease`s), its identifiers, and the disc/track position of
// each sound recording from its resource groups. Track releases are kept only to route deals.

import { gridReleaseId, proprietaryReleaseId } from '../catalog/release-id.ts';
import { readArtists, readCLine, readGenre, readPLine, readTitle, scoped, scopedAll, scopedText, type PartyNames, type Scoped } from './ern-fields.ts';
import type { Resources } from './ern-resources.ts';
import type { ProblemList } from './problems.ts';
import type { ArtistCredit, PLine, ProprietaryId, ReleaseIds, ReleaseKey } from './types.ts';
import { parseDate, parseGrid, parseIcpn } from './values.ts';
import { child, childrenNamed, descendantsNamed, textAt, type XmlElement } from './xml-tree.ts';

const MAIN_RELEASE_TYPES = new Set(['Album', 'Single', 'EP', 'ClassicalAlbum']);

export interface TrackPosition {
  reference: string;
  discNumber: number;
  trackNumber: number;
  /** The ResourceGroupContentItem (or reference) the position came from. */
  path: string;
}

export interface MainRelease {
  path: string;
  reference: string | null;
  ids: ReleaseIds;
  title: string | null;
  subtitle: string | null;
  artists: string[];
  artistRoles: ArtistCredit[];
  label: string | null;
  releaseDate: string | null;
  genre: string | null;
  releaseType: string | null;
  pLine: PLine | null;
  cLine: string | null;
  positions: TrackPosition[];
  /** Every resource reference the release names (tracks, cover, …). */
  referencedResources: Set<string>;
}

export interface ReleaseMap {
  main: MainRelease | null;
  /** ReleaseReference → the resource references it holds (main release: all of its tracks). */
  resourcesByRelease: Map<string, Set<string>>;
  /** Track release references → their genre (ERN 4 TrackRelease carries it). */
  trackReleaseGenres: Map<string, string>;
}

function isMain(release: XmlElement): boolean {
  if (release.name !== 'Release') return false;
  if (release.attrs.IsMainRelease === 'true') return true;
  const type = textAt(release, 'ReleaseType') ?? textAt(child(release, 'ReleaseDetailsByTerritory'), 'ReleaseType');
  return type !== null && MAIN_RELEASE_TYPES.has(type);
}

export function readReleaseIds(releaseId: XmlElement | null, problems: ProblemList): ReleaseIds {
  const icpnElement = child(releaseId, 'ICPN');
  const gridElement = child(releaseId, 'GRid');
  const icpn = icpnElement && icpnElement.text !== '' ? problems.take(parseIcpn(icpnElement.text), 'BAD_ICPN', icpnElement.path) : null;
  const grid = gridElement && gridElement.text !== '' ? problems.take(parseGrid(gridElement.text), 'BAD_GRID', gridElement.path) : null;
  const proprietaryElements = childrenNamed(releaseId, 'ProprietaryId').filter((p) => p.text !== '');
  const proprietary: ProprietaryId[] = proprietaryElements.map((p) => ({ namespace: p.attrs.Namespace ?? null, value: p.text }));
  const knownAs: ReleaseKey[] = [];
  if (icpn) knownAs.push({ id: icpn, location: icpnElement!.path });
  if (grid) knownAs.push({ id: gridReleaseId(grid), location: gridElement!.path });
  for (const element of proprietaryElements) {
    const id = proprietaryKey({ namespace: element.attrs.Namespace ?? null, value: element.text });
    if (id && !knownAs.some((each) => each.id === id)) knownAs.push({ id, location: element.path });
  }
  return { icpn, grid, proprietary, knownAs };
}

/** A proprietary id as a release id, or null when it cannot be one. ERN writes the issuer as `DPID:PADPIDA…`; the DPID alone names it. */
function proprietaryKey({ namespace, value }: ProprietaryId): string | null {
  return proprietaryReleaseId(namespace?.replace(/^DPID:/i, '') ?? null, value);
}

/** The release's id (catalog/release-id.ts): its ICPN, else its GRid, else its first proprietary id usable as one. */
export function releaseKey(ids: ReleaseIds): string | null {
  return ids.knownAs[0]?.id ?? null;
}

/** Why a release has no id, for the problem that refuses it. */
export function noReleaseKeyReason(ids: ReleaseIds): string {
  if (ids.proprietary.length === 0) return 'the release needs an ICPN, a GRid or a ProprietaryId';
  return 'the release has no ICPN or GRid, and no ProprietaryId usable as its id: one needs a Namespace (the issuer\'s DPID) and a value of at most 64 letters, digits, \'.\', \'_\' or \'-\'';
}

function releaseReferencesOf(release: XmlElement): XmlElement[] {
  return [
    ...descendantsNamed(release, 'ReleaseResourceReference'),
    ...descendantsNamed(release, 'LinkedReleaseResourceReference'),
  ];
}

function sequenceNumber(element: XmlElement, problems: ProblemList): number | null {
  const sequence = child(element, 'SequenceNumber');
  if (!sequence || sequence.text === '') return null;
  const n = Number(sequence.text);
  if (!Number.isInteger(n) || n < 1) {
    problems.error('BAD_NUMBER', sequence.path, `${JSON.stringify(sequence.text)} is not a positive whole number`);
    return null;
  }
  return n;
}

/** Groups that hold content items directly, in document order: one per disc. */
function leafGroups(group: XmlElement, found: XmlElement[] = []): XmlElement[] {
  if (childrenNamed(group, 'ResourceGroupContentItem').length > 0) found.push(group);
  for (const inner of childrenNamed(group, 'ResourceGroup')) leafGroups(inner, found);
  return found;
}

function readPositions(scope: Scoped, release: XmlElement, resources: Resources, problems: ProblemList): TrackPosition[] {
  const topGroups = scopedAll(scope, 'ResourceGroup');
  const discs = topGroups.flatMap((group) => leafGroups(group));
  const positions: TrackPosition[] = [];
  if (discs.length === 0) {
    // No groups: the sound recordings the release names, in order, on one disc.
    let track = 0;
    for (const reference of releaseReferencesOf(release)) {
      if (!resources.soundRecordings.has(reference.text)) continue;
      track += 1;
      positions.push({ reference: reference.text, discNumber: 1, trackNumber: track, path: reference.path });
    }
    return positions;
  }
  discs.forEach((disc, discIndex) => {
    const discNumber = discs.length === 1 ? 1 : (sequenceNumber(disc, problems) ?? discIndex + 1);
    let ordinal = 0;
    for (const item of childrenNamed(disc, 'ResourceGroupContentItem')) {
      const referenceElement = child(item, 'ReleaseResourceReference') ?? child(item, 'ResourceGroupContentItemReference');
      if (!referenceElement || referenceElement.text === '') {
        problems.error('MISSING', `${item.path}/ReleaseResourceReference`, 'the content item names no resource');
        continue;
      }
      // An image, video or text is not a track; an unknown reference is reported with the release's.
      if (!resources.soundRecordings.has(referenceElement.text)) continue;
      ordinal += 1;
      positions.push({ reference: referenceElement.text, discNumber, trackNumber: sequenceNumber(item, problems) ?? ordinal, path: item.path });
    }
  });
  return positions;
}

function readReleaseDate(scope: Scoped, problems: ProblemList): string | null {
  for (const name of ['ReleaseDate', 'OriginalReleaseDate', 'GlobalReleaseDate', 'GlobalOriginalReleaseDate']) {
    const element = scopedAll(scope, name)[0];
    if (!element || element.text === '') continue;
    const parsed = problems.take(parseDate(element.text), 'BAD_DATE', element.path);
    if (parsed?.partial) problems.warn('BAD_DATE', element.path, `${element.text} names no day: ${parsed.date} is used`);
    return parsed?.date ?? null;
  }
  return null;
}

function readMainRelease(release: XmlElement, parties: PartyNames, resources: Resources, problems: ProblemList): MainRelease {
  const scope = scoped(release, 'ReleaseDetailsByTerritory');
  const ids = readReleaseIds(child(release, 'ReleaseId'), problems);
  if (!releaseKey(ids)) problems.error('MISSING', `${release.path}/ReleaseId`, noReleaseKeyReason(ids));
  const { title, subtitle } = readTitle(scope);
  if (!title) problems.error('MISSING', `${release.path}/${scope.details ? 'ReferenceTitle/TitleText' : 'DisplayTitleText'}`, 'the release has no title');
  const { artists, roles, unknown } = readArtists(scope, parties);
  for (const { path, reference } of unknown) problems.error('UNKNOWN_REFERENCE', path, `no Party ${reference} in the PartyList`);
  if (artists.length === 0) problems.error('MISSING', `${scope.details?.path ?? release.path}/DisplayArtist`, 'the release has no display artist');

  const labelReference = child(release, 'ReleaseLabelReference');
  let label = scopedText(scope, 'LabelName');
  if (!label && labelReference && labelReference.text !== '') {
    label = parties.get(labelReference.text) ?? null;
    if (!label) problems.error('UNKNOWN_REFERENCE', labelReference.path, `no Party ${labelReference.text} in the PartyList`);
  } else if (!label) problems.error('MISSING', `${release.path}/${scope.details ? 'ReleaseDetailsByTerritory/LabelName' : 'ReleaseLabelReference'}`, 'the release has no label');

  const referencedResources = new Set<string>();
  for (const reference of releaseReferencesOf(release)) {
    if (reference.text === '') continue;
    if (!resources.all.has(reference.text)) {
      problems.error('UNKNOWN_REFERENCE', reference.path, `no resource ${reference.text} in the ResourceList`);
    } else referencedResources.add(reference.text);
  }

  return {
    path: release.path,
    reference: textAt(release, 'ReleaseReference'),
    ids,
    title,
    subtitle,
    artists,
    artistRoles: roles,
    label,
    releaseDate: readReleaseDate(scope, problems),
    genre: readGenre(scope),
    releaseType: textAt(release, 'ReleaseType') ?? scopedText(scope, 'ReleaseType'),
    pLine: readPLine(scope),
    cLine: readCLine(scope),
    positions: readPositions(scope, release, resources, problems),
    referencedResources,
  };
}

export function readReleases(releaseList: XmlElement | null, parties: PartyNames, resources: Resources, problems: ProblemList): ReleaseMap {
  const all = (releaseList?.children ?? []).filter((r) => r.name === 'Release' || r.name === 'TrackRelease');
  const plain = all.filter((r) => r.name === 'Release');
  let mains = plain.filter(isMain);
  // ERN 4: one Release, the rest TrackReleases.
  if (mains.length === 0 && plain.length === 1 && all.some((r) => r.name === 'TrackRelease')) mains = plain;
  if (mains.length === 0 && plain.length === 1) mains = plain;

  const map: ReleaseMap = { main: null, resourcesByRelease: new Map(), trackReleaseGenres: new Map() };
  if (mains.length !== 1) {
    problems.error(
      'NO_MAIN_RELEASE',
      releaseList?.path ?? '/ReleaseList',
      mains.length === 0
        ? 'no main release: one Release needs ReleaseType Album, Single or EP, or IsMainRelease="true"'
        : `${mains.length} main releases (${mains.map((m) => m.path).join(', ')}): a message delivers one`,
    );
  } else {
    map.main = readMainRelease(mains[0]!, parties, resources, problems);
  }
  for (const release of all) {
    const reference = textAt(release, 'ReleaseReference');
    if (!reference) continue;
    const held = new Set(releaseReferencesOf(release).map((r) => r.text));
    map.resourcesByRelease.set(reference, held);
    if (release !== mains[0]) {
      const genre = readGenre(scoped(release, 'ReleaseDetailsByTerritory'));
      if (genre) map.trackReleaseGenres.set(reference, genre);
      for (const r of releaseReferencesOf(release)) {
        if (r.text !== '' && !resources.all.has(r.text)) problems.error('UNKNOWN_REFERENCE', r.path, `no resource ${r.text} in the ResourceList`);
      }
    }
  }
  return map;
}
