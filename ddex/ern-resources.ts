// ResourceList → sound recordings and images by ResourceReference. Disc/track position, genre
// fallback and rights come later from the release and the deals.

import { readArtists, readExplicit, readGenre, readPLine, readTitle, scoped, scopedText, type PartyNames, type Scoped } from './ern-fields.ts';
import type { ProblemList } from './problems.ts';
import type { ArtistCredit, FileRef, PLine } from './types.ts';
import { parseBoolean, parseDuration, parseHash, parseIsrc, parseRelativeFile, parseRelativeFileName } from './values.ts';
import { child, childrenNamed, descendantsNamed, textAt, type XmlElement } from './xml-tree.ts';

export interface SoundRecordingFacts {
  reference: string;
  path: string;
  isrc: string | null;
  title: string | null;
  subtitle: string | null;
  artists: string[];
  artistRoles: ArtistCredit[];
  durationSeconds: number | null;
  genre: string | null;
  explicit: boolean;
  pLine: PLine | null;
  file: FileRef | null;
}

export interface ImageFacts {
  reference: string;
  path: string;
  type: string | null;
  file: FileRef | null;
  /** False when the message describes the image without a file (ERN allows it). */
  delivered: boolean;
}

export interface Resources {
  soundRecordings: Map<string, SoundRecordingFacts>;
  images: Map<string, ImageFacts>;
  /** Every ResourceReference defined, whatever its kind (video, text…): known, not unknown. */
  all: Set<string>;
}

/**
 * ERN 4.3 keeps a sound recording's ids, P line and files in `SoundRecordingEdition`s (a stereo
 * and an immersive one, say); ERN 4.1/4.2 and 3 keep them on the recording. The master is the
 * non-immersive edition, else the first.
 */
function mainEdition(resource: XmlElement): XmlElement | null {
  const editions = childrenNamed(resource, 'SoundRecordingEdition');
  return editions.find((edition) => textAt(edition, 'Type') !== 'ImmersiveEdition') ?? editions[0] ?? null;
}

/** The files of the main (not preview) technical details: on the resource, in its details blocks or its edition. */
function mainFiles(resource: XmlElement, edition: XmlElement | null = null): XmlElement[] {
  const holders = [resource, ...(edition ? [edition] : [])];
  const technical = holders.flatMap((holder) =>
    holder.children.flatMap((c) =>
      c.name.endsWith('DetailsByTerritory') ? c.children.filter((d) => d.name.startsWith('Technical')) : c.name.startsWith('Technical') ? [c] : [],
    ),
  );
  const full = technical.filter((t) => textAt(t, 'IsPreview') !== 'true' && textAt(t, 'IsClip') !== 'true');
  return full.flatMap((t) => descendantsNamed(t, 'File'));
}

/** File → path relative to the release folder and its hash; problems at the File's elements. */
export function readFile(file: XmlElement, problems: ProblemList): FileRef | null {
  const uri = child(file, 'URI') ?? child(file, 'URL');
  const name = child(file, 'FileName');
  let path: string | null = null;
  if (uri && uri.text !== '') {
    path = problems.take(parseRelativeFile(uri.text), 'UNSAFE_PATH', uri.path);
  } else if (name && name.text !== '') {
    const folder = textAt(file, 'FilePath');
    const joined = folder ? `${folder.replace(/\/+$/, '')}/${name.text}` : name.text;
    path = problems.take(parseRelativeFileName(joined), 'UNSAFE_PATH', folder ? `${file.path}/FilePath` : name.path);
  } else {
    problems.error('NO_FILE', file.path, 'the File has neither a URI nor a FileName');
    return null;
  }

  const hashSum = child(file, 'HashSum');
  let hash = null;
  if (!hashSum) {
    problems.error('BAD_HASH', `${file.path}/HashSum`, 'the file has no HashSum, so its integrity cannot be checked');
  } else {
    // ERN 4: HashSum/{Algorithm, HashSumValue}; ERN 3: HashSum/{HashSum, HashSumAlgorithmType}.
    const algorithmElement = child(hashSum, 'Algorithm') ?? child(hashSum, 'HashSumAlgorithmType');
    // A `UserDefined` algorithm names itself in UserDefinedValue; parseHash says if it is one we check.
    const algorithm = algorithmElement?.text === 'UserDefined' ? (algorithmElement.attrs.UserDefinedValue ?? 'UserDefined') : algorithmElement?.text || null;
    const written = textAt(hashSum, 'HashSumValue') ?? textAt(hashSum, 'HashSum');
    // The value may be base64 (`HashSumDataType`/`DataType` Binary64) instead of hex.
    const base64 = (textAt(hashSum, 'DataType') ?? textAt(hashSum, 'HashSumDataType')) === 'Binary64';
    const value = written && base64 && /^[A-Za-z0-9+/]+={0,2}$/.test(written) && written.length % 4 === 0 ? Buffer.from(written, 'base64').toString('hex') : written;
    if (!algorithm || !value) problems.error('BAD_HASH', hashSum.path, 'the HashSum needs an algorithm and a value');
    else hash = problems.take(parseHash(algorithm, value), 'BAD_HASH', hashSum.path);
  }
  return path === null ? null : { path, hash, location: file.path };
}

function fileOf(resource: XmlElement, what: string, problems: ProblemList, edition: XmlElement | null = null): FileRef | null {
  const file = mainFiles(resource, edition)[0];
  if (!file) {
    problems.error('NO_FILE', edition?.path ?? resource.path, `the ${what} names no file`);
    return null;
  }
  return readFile(file, problems);
}

function readSoundRecording(element: XmlElement, reference: string, parties: PartyNames, problems: ProblemList): SoundRecordingFacts {
  const scope: Scoped = scoped(element, 'SoundRecordingDetailsByTerritory');
  const edition = mainEdition(element);
  // Ids may come in several elements (one with the ISRC, one with a proprietary id), in the
  // edition (4.3) or on the recording (3, 4.1/4.2).
  const idHolder = edition ?? element;
  const ids = [edition, element].flatMap((holder) => [...childrenNamed(holder, 'ResourceId'), ...childrenNamed(holder, 'SoundRecordingId')]);
  const isrcElement = ids.map((id) => child(id, 'ISRC')).find((found) => found !== null && found.text !== '') ?? null;
  let isrc: string | null = null;
  if (!isrcElement) {
    const idName = ids[0]?.name ?? (edition || child(element, 'ResourceId') ? 'ResourceId' : 'SoundRecordingId');
    problems.error('MISSING', `${idHolder.path}/${idName}/ISRC`, 'the sound recording has no ISRC');
  } else isrc = problems.take(parseIsrc(isrcElement.text), 'BAD_ISRC', isrcElement.path);

  const { title, subtitle } = readTitle(scope);
  // Name the element the sender's family would use: ERN 3 ReferenceTitle, ERN 4 DisplayTitleText.
  if (!title) problems.error('MISSING', `${element.path}/${scope.details ? 'ReferenceTitle/TitleText' : 'DisplayTitleText'}`, 'the sound recording has no title');
  const { artists, roles, unknown } = readArtists(scope, parties);
  for (const { path, reference: party } of unknown) problems.error('UNKNOWN_REFERENCE', path, `no Party ${party} in the PartyList`);
  if (artists.length === 0) problems.error('MISSING', `${scope.details?.path ?? element.path}/DisplayArtist`, 'the sound recording has no display artist');

  const durationElement = child(element, 'Duration');
  const durationSeconds = durationElement && durationElement.text !== '' ? problems.take(parseDuration(durationElement.text), 'BAD_DURATION', durationElement.path) : null;

  return {
    reference,
    path: element.path,
    isrc,
    title,
    subtitle,
    artists,
    artistRoles: roles,
    durationSeconds,
    genre: readGenre(scope),
    explicit: readExplicit(scope),
    pLine: readPLine(scope) ?? (edition ? readPLine({ element: edition, details: null }) : null),
    file: fileOf(element, 'sound recording', problems, edition),
  };
}

function readImage(element: XmlElement, reference: string, problems: ProblemList): ImageFacts {
  const scope = scoped(element, 'ImageDetailsByTerritory');
  const type = textAt(element, 'ImageType') ?? textAt(element, 'Type') ?? scopedText(scope, 'ImageType');
  // Only the cover's file matters to an audio release; other images are not checked. ERN lets a
  // message describe an image without delivering it: that is a release without a cover, as when
  // no image is named at all (a warning from the caller), not an error.
  const delivered = mainFiles(element).length > 0;
  if (type !== 'FrontCoverImage') return { reference, path: element.path, type, file: null, delivered };
  return { reference, path: element.path, type, file: delivered ? fileOf(element, 'front cover image', problems) : null, delivered };
}

export function readResources(resourceList: XmlElement | null, parties: PartyNames, problems: ProblemList): Resources {
  const resources: Resources = { soundRecordings: new Map(), images: new Map(), all: new Set() };
  for (const element of resourceList?.children ?? []) {
    const referenceElement = child(element, 'ResourceReference');
    const reference = referenceElement?.text ?? '';
    if (reference === '') {
      problems.error('MISSING', `${element.path}/ResourceReference`, `the ${element.name} has no ResourceReference`);
      continue;
    }
    if (resources.all.has(reference)) {
      problems.error('DUPLICATE', referenceElement!.path, `ResourceReference ${reference} is defined twice`);
      continue;
    }
    resources.all.add(reference);
    // ERN 4.3 `IsSupplemental` recordings (the sources of a DJ mix, say) are described, not
    // delivered: no track, so no ISRC or file is required of them.
    if (element.name === 'SoundRecording' && parseBoolean(element.attrs.IsSupplemental ?? '') === true) continue;
    if (element.name === 'SoundRecording') resources.soundRecordings.set(reference, readSoundRecording(element, reference, parties, problems));
    else if (element.name === 'Image') resources.images.set(reference, readImage(element, reference, problems));
  }
  return resources;
}

/** ERN 4 PartyList: PartyReference → full name. */
export function readParties(partyList: XmlElement | null): PartyNames {
  const names = new Map<string, string>();
  for (const party of childrenNamed(partyList, 'Party')) {
    const reference = textAt(party, 'PartyReference');
    const name = textAt(party, 'PartyName', 'FullName') ?? textAt(party, 'PartyName');
    if (reference && name) names.set(reference, name);
  }
  return names;
}
