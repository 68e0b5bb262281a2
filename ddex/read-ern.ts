// ERN message bytes → the release delivery model, or every problem with its element path. Pure:
// no file is read and nothing is fetched. Order: byte cap, decode, markup scan (DOCTYPE, depth,
// element count), parse, then the mapping; the first three stop at once, the mapping collects all.

import { WORLDWIDE } from '../pipeline/territories.ts';
import { DEFAULT_TIERS_BY_COMMERCIAL_MODEL, rightsFromDeals } from './deal-rights.ts';
import { readDeals } from './ern-deals.ts';
import { readMessageInfo } from './ern-header.ts';
import { noReleaseKeyReason, readReleaseIds, readReleases, releaseKey } from './ern-release.ts';
import { readParties, readResources } from './ern-resources.ts';
import { assembleTracks } from './ern-tracks.ts';
import { ProblemList } from './problems.ts';
import type { DdexCover, MessageInfo, PurgeReleaseModel, ReadErnOptions, ReadErnResult, ReleaseDeliveryModel } from './types.ts';
import { decodeMessage, DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS, scanMarkup } from './xml-guard.ts';
import { child, childrenNamed, descendantsNamed, PARSER_MAX_DEPTH, parseXmlTree, textAt, type XmlElement } from './xml-tree.ts';

export function readErnMessage(input: Uint8Array | string, options: ReadErnOptions = {}): ReadErnResult {
  const {
    maxBytes = DEFAULT_MAX_BYTES,
    maxDepth: askedDepth = DEFAULT_MAX_DEPTH,
    maxElements = DEFAULT_MAX_ELEMENTS,
    tiersByCommercialModel = DEFAULT_TIERS_BY_COMMERCIAL_MODEL,
  } = options;
  // The parser has its own fence at PARSER_MAX_DEPTH; the scan must refuse first, with a clear reason.
  const maxDepth = Math.min(askedDepth, PARSER_MAX_DEPTH);
  const decoded = decodeMessage(input, maxBytes);
  if ('problem' in decoded) return { ok: false, message: null, problems: [decoded.problem] };
  const refused = scanMarkup(decoded.text, { maxDepth, maxElements });
  if (refused) return { ok: false, message: null, problems: [refused] };
  const { root, problems: parseProblems } = parseXmlTree(decoded.text);
  const problems = new ProblemList();
  problems.add(parseProblems);
  if (!root) return { ok: false, message: null, problems: problems.items };

  // A broken header does not stop the rest being read: the label gets every problem at once.
  const { kind, draft, info: message } = readMessageInfo(root, problems);
  if (!kind) return { ok: false, message: null, problems: problems.items };
  const model = kind === 'purge' ? readPurge(root, draft, problems) : readRelease(root, draft, problems, tiersByCommercialModel);
  if (!model || !message || problems.hasErrors) return { ok: false, message, problems: problems.items, ...(model ? { partial: model } : {}) };
  return { ok: true, model, problems: problems.items };
}

function readPurge(root: XmlElement, message: MessageInfo, problems: ProblemList): PurgeReleaseModel | null {
  const purged = child(root, 'PurgedRelease');
  // Every ReleaseId of the purged release (one per scheme, as some senders write them).
  const direct = childrenNamed(purged, 'ReleaseId');
  const releaseIds = direct.length > 0 ? direct : purged ? descendantsNamed(purged, 'ReleaseId').slice(0, 1) : [];
  const releaseId = releaseIds[0] ?? null;
  if (!releaseId) {
    problems.error('MISSING', `${root.path}/PurgedRelease/ReleaseId`, 'the purge names no release');
    return null;
  }
  const ids = readReleaseIds(releaseIds, problems);
  const key = releaseKey(ids);
  if (!key) {
    problems.error('MISSING', releaseId.path, noReleaseKeyReason(ids));
    return null;
  }
  const title = textAt(purged, 'Title', 'TitleText') ?? textAt(purged, 'DisplayTitleText') ?? textAt(purged, 'ReferenceTitle', 'TitleText');
  return { kind: 'purge', message, release: { ids, key, title } };
}

function readRelease(
  root: XmlElement,
  message: MessageInfo,
  problems: ProblemList,
  tiersByCommercialModel: Readonly<Record<string, readonly string[] | null>>,
): ReleaseDeliveryModel | null {
  const parties = readParties(child(root, 'PartyList'));
  const resourceList = child(root, 'ResourceList');
  if (!resourceList) problems.error('MISSING', `${root.path}/ResourceList`, 'the ResourceList is missing');
  const releaseList = child(root, 'ReleaseList');
  if (!releaseList) problems.error('MISSING', `${root.path}/ReleaseList`, 'the ReleaseList is missing');
  const resources = readResources(resourceList, parties, problems);
  const releases = readReleases(releaseList, parties, resources, problems);
  const dealList = child(root, 'DealList');
  const deals = readDeals(dealList, new Set(releases.resourcesByRelease.keys()), problems);
  const main = releases.main;
  if (!main) return null;

  const mainDeals = (main.reference && deals.get(main.reference)) || [];
  let releaseDate = main.releaseDate;
  if (!releaseDate) {
    // ERN 4 often dates a release by its deals only.
    const firstStart = mainDeals.map((d) => d.startsAt).filter((s): s is string => s !== null).sort()[0];
    releaseDate = firstStart?.slice(0, 10) ?? null;
    if (!releaseDate) problems.error('MISSING', `${main.path}/ReleaseDate`, 'the release has no release date and no deal start date');
  }
  if (main.positions.length === 0) problems.error('MISSING', `${main.path}/ResourceGroup`, 'the main release holds no sound recording');

  // Without a release date the message is refused, but its tracks are still checked (duplicates).
  const rightsContext = { releaseDate: releaseDate ?? '1970-01-01', messageId: message.id, messageCreatedAt: message.createdAt, tiersByCommercialModel };
  const { tracks, approximations } = assembleTracks({ main, resources, releases, deals, mainDeals, rightsContext, problems });
  for (const note of approximations) problems.warn('APPROXIMATED', dealList?.path ?? `${root.path}/DealList`, note);

  const coverImages = [...resources.images.values()].filter((image) => image.type === 'FrontCoverImage');
  const coverImage = coverImages.find((image) => main.referencedResources.has(image.reference)) ?? coverImages[0];
  const cover: DdexCover | null = coverImage?.file ? { path: coverImage.file.path, hash: coverImage.file.hash, location: coverImage.file.location } : null;
  if (!coverImage) problems.warn('MISSING', resourceList?.path ?? `${root.path}/ResourceList`, 'no FrontCoverImage: the release will have no cover');
  else if (!coverImage.delivered) problems.warn('NO_FILE', coverImage.path, 'the FrontCoverImage names no file: the release will have no cover');

  const key = releaseKey(main.ids);
  if (!key || !main.title || !main.label || !releaseDate || main.artists.length === 0) return null;
  const territories = tracks.some((t) => t.rights.territories.includes(WORLDWIDE))
    ? [WORLDWIDE]
    : [...new Set(tracks.flatMap((t) => t.rights.territories))].sort();
  const releaseTakedown = rightsFromDeals(mainDeals, rightsContext).takedown;
  return {
    kind: 'release',
    message,
    release: {
      ids: main.ids,
      upc: main.ids.icpn,
      key,
      title: main.title,
      subtitle: main.subtitle,
      artists: main.artists,
      artistRoles: main.artistRoles,
      label: main.label,
      releaseDate,
      genre: main.genre,
      territories: territories.length > 0 ? territories : [WORLDWIDE],
      releaseType: main.releaseType,
      pLine: main.pLine,
      cLine: main.cLine,
    },
    tracks,
    cover,
    takedown: releaseTakedown,
  };
}
