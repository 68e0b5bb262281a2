// ReleaseList → the main release (an Album/Single/EP, or the one marked IsMainRelease; in ERN 4
// the one `Release` beside its `TrackRelease`s), its identifiers, and the disc/track position of
// each sound recording from its resource groups. Track releases are kept only to route deals.

import { gridReleaseId, proprietaryReleaseId } from '../catalog/release-id.ts';
import { preferred, readArtists, readCLine, readGenre, readPLine, readTitle, scoped, scopedAll, scopedText, type PartyNames, type Scoped } from './ern-fields.ts';
import type { Resources } from './ern-resources.ts';
import type { ProblemList } from './problems.ts';
import type { ArtistCredit, PLine, ProprietaryId, ReleaseIds, ReleaseKey } from './types.ts';
import { parseBoolean, parseDate, parseGrid, parseIcpn } from './values.ts';
import { child, childrenNamed, descendantsNamed, textAt, type XmlElement } from './xml-tree.ts';

const MAIN_RELEASE_TYPES = new Set([
  'Album',
  'Single',
  'EP',
  'ClassicalAlbum',
  'DigitalBoxSetRelease',
  'ClassicalDigitalBoxedSet',
  'DjMix',
  'MultimediaAlbum',
  'MultimediaSingle',
  'ClassicalMultimediaAlbum',
  'MultimediaDigitalBoxedSet',
]);

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

/** Every ReleaseType the release states (ERN 3 may put them in its details blocks), UserDefined by its value. */
function releaseTypes(release: XmlElement): string[] {
  const elements = [...childrenNamed(release, 'ReleaseType'), ...childrenNamed(release, 'ReleaseDetailsByTerritory').flatMap((d) => childrenNamed(d, 'ReleaseType'))];
  return elements.map((e) => (e.text === 'UserDefined' ? (e.attrs.UserDefinedValue ?? e.text) : e.text));
}

/** IsMainRelease as written (xs:boolean: `true`, `1`, …), or null when absent. */
function mainFlag(release: XmlElement): boolean | null {
  const raw = release.attrs.IsMainRelease;
  return raw === undefined ? null : parseBoolean(raw.trim());
}

/**
 * The main release: the Release marked IsMainRelease (the sender said so); else the Releases of
 * an album-like ReleaseType; else the only Release (ERN 4: the `Release` beside its
 * `TrackRelease`s). A Release marked IsMainRelease="false" is never it.
 */
function mainReleases(all: XmlElement[]): XmlElement[] {
  const plain = all.filter((r) => r.name === 'Release' && mainFlag(r) !== false);
  const flagged = plain.filter((r) => mainFlag(r) === true);
  if (flagged.length > 0) return flagged;
  const byType = plain.filter((r) => releaseTypes(r).some((type) => MAIN_RELEASE_TYPES.has(type)));
  if (byType.length > 0) return byType;
  return plain.length === 1 ? plain : [];
}

/** The release's identifiers, from one ReleaseId or several (ERN 3 allows one per scheme). */
export function readReleaseIds(releaseId: XmlElement | readonly XmlElement[] | null, problems: ProblemList): ReleaseIds {
  const elements = releaseId === null ? [] : Array.isArray(releaseId) ? releaseId : [releaseId as XmlElement];
  const first = (name: string) => elements.map((e) => child(e, name)).find((found) => found !== null && found.text !== '') ?? null;
  const icpnElement = first('ICPN');
  const gridElement = first('GRid');
  const icpn = icpnElement ? problems.take(parseIcpn(icpnElement.text), 'BAD_ICPN', icpnElement.path) : null;
  const grid = gridElement ? problems.take(parseGrid(gridElement.text), 'BAD_GRID', gridElement.path) : null;
  const proprietaryElements = elements.flatMap((e) => childrenNamed(e, 'ProprietaryId')).filter((p) => p.text !== '');
  const proprietary: ProprietaryId[] = proprietaryElements.map((p) => ({ namespace: p.attrs.Namespace ?? null, value: p.text }));
  // Each usable as the release's id, with its element: the catalog may know the release by any of them.
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

/** The resource references a group holds directly, in order: content items, or (ERN 3) a reference list. */
function groupItems(group: XmlElement): Array<{ item: XmlElement; reference: XmlElement | null }> {
  const items = childrenNamed(group, 'ResourceGroupContentItem').map((item) => ({
    item,
    reference: child(item, 'ReleaseResourceReference') ?? child(item, 'ResourceGroupContentItemReference'),
  }));
  const listed = childrenNamed(group, 'ResourceGroupResourceReferenceList').flatMap((list) =>
    childrenNamed(list, 'ResourceGroupResourceReference').map((reference) => ({ item: reference, reference })),
  );
  return [...items, ...listed];
}

/**
 * Groups that hold sound recordings directly, in document order: one per disc. A group holding
 * only the cover or a booklet (an outer group around the discs, often) is no disc.
 */
function discGroups(group: XmlElement, resources: Resources, found: XmlElement[] = []): XmlElement[] {
  if (groupItems(group).some(({ reference }) => reference !== null && resources.soundRecordings.has(reference.text))) found.push(group);
  for (const inner of childrenNamed(group, 'ResourceGroup')) discGroups(inner, resources, found);
  return found;
}

function allGroups(group: XmlElement, found: XmlElement[] = []): XmlElement[] {
  found.push(group);
  for (const inner of childrenNamed(group, 'ResourceGroup')) allGroups(inner, found);
  return found;
}

function readPositions(scope: Scoped, release: XmlElement, resources: Resources, problems: ProblemList): TrackPosition[] {
  const topGroups = scopedAll(scope, 'ResourceGroup');
  const discs = topGroups.flatMap((group) => discGroups(group, resources));
  // Content items naming nothing are problems wherever they are; those of discs are met below.
  for (const group of topGroups.flatMap((g) => allGroups(g))) {
    if (discs.includes(group)) continue;
    for (const { item, reference } of groupItems(group)) {
      if (!reference || reference.text === '') problems.error('MISSING', `${item.path}/ReleaseResourceReference`, 'the content item names no resource');
    }
  }
  const positions: TrackPosition[] = [];
  if (discs.length === 0) {
    // No groups (or none naming a recording): the sound recordings the release names, in order, on one disc.
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
    for (const { item, reference } of groupItems(disc)) {
      if (!reference || reference.text === '') {
        problems.error('MISSING', `${item.path}/ReleaseResourceReference`, 'the content item names no resource');
        continue;
      }
      // An image, video or text is not a track; an unknown reference is reported with the release's.
      if (!resources.soundRecordings.has(reference.text)) continue;
      ordinal += 1;
      const trackNumber = item === reference ? ordinal : (sequenceNumber(item, problems) ?? ordinal);
      positions.push({ reference: reference.text, discNumber, trackNumber, path: item.path });
    }
  });
  return positions;
}

/** This release's date before the original one (a reissue's OriginalReleaseDate is decades back); the worldwide one first. */
function readReleaseDate(scope: Scoped, problems: ProblemList): string | null {
  for (const name of ['ReleaseDate', 'GlobalReleaseDate', 'OriginalReleaseDate', 'GlobalOriginalReleaseDate']) {
    const element = preferred(scopedAll(scope, name));
    if (!element || element.text === '') continue;
    const parsed = problems.take(parseDate(element.text), 'BAD_DATE', element.path);
    if (parsed?.partial) problems.warn('BAD_DATE', element.path, `${element.text} names no day: ${parsed.date} is used`);
    return parsed?.date ?? null;
  }
  return null;
}

function readMainRelease(release: XmlElement, parties: PartyNames, resources: Resources, problems: ProblemList): MainRelease {
  const scope = scoped(release, 'ReleaseDetailsByTerritory');
  const ids = readReleaseIds(childrenNamed(release, 'ReleaseId'), problems);
  if (!releaseKey(ids)) problems.error('MISSING', `${release.path}/ReleaseId`, noReleaseKeyReason(ids));
  const { title, subtitle } = readTitle(scope);
  if (!title) problems.error('MISSING', `${release.path}/${scope.details ? 'ReferenceTitle/TitleText' : 'DisplayTitleText'}`, 'the release has no title');
  const { artists, roles, unknown } = readArtists(scope, parties);
  for (const { path, reference } of unknown) problems.error('UNKNOWN_REFERENCE', path, `no Party ${reference} in the PartyList`);
  if (artists.length === 0) problems.error('MISSING', `${scope.details?.path ?? release.path}/DisplayArtist`, 'the release has no display artist');

  // ERN 4 may name a label per territory: the worldwide one, as for every other field.
  const labelReference = preferred(childrenNamed(release, 'ReleaseLabelReference'));
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
    releaseType: releaseTypes(release).find((type) => MAIN_RELEASE_TYPES.has(type)) ?? releaseTypes(release)[0] ?? null,
    pLine: readPLine(scope),
    cLine: readCLine(scope),
    positions: readPositions(scope, release, resources, problems),
    referencedResources,
  };
}

export function readReleases(releaseList: XmlElement | null, parties: PartyNames, resources: Resources, problems: ProblemList): ReleaseMap {
  const all = (releaseList?.children ?? []).filter((r) => r.name === 'Release' || r.name === 'TrackRelease');
  const mains = mainReleases(all);

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
