// The DDEX ERN format: a release folder (one ERN 3.8.2 / 4.3 message + its resources) → the one
// delivery model, through the same shared checks as a JSON delivery (pipeline/delivery-checks.ts:
// identifiers, duplicates, master paths, a probe of every master, so a lossy file is refused),
// plus what only DDEX promises: the hash of every file it names. Rights come from the message's
// deals (ddex/deal-rights.ts), already in the one rights model. Every problem carries its element
// path. A message that is refused still yields its header, for the acknowledgement.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { filesToVerify } from '../ddex/file-refs.ts';
import { readErnMessage } from '../ddex/read-ern.ts';
import type { DdexProblem, MessageInfo, ReleaseDeliveryModel, ReleaseKey, Takedown } from '../ddex/types.ts';
import { DEFAULT_MAX_BYTES, sizeProblem } from '../ddex/xml-guard.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { type CheckDeliveryOptions, checkDelivery } from './delivery-checks.ts';
import { type Delivery, type DeliveryDraft, DeliveryError, type DeliveryProblem } from './delivery-model.ts';
import { deliveryOf } from './delivery.ts';
import { durationWarnings } from './ddex-durations.ts';
import { verifyReferencedFiles } from './ddex-files.ts';

/** A refused DDEX message: every problem, and its header when it could be read (for the ack). */
export class DdexDeliveryError extends DeliveryError {
  constructor(
    file: string,
    problems: DeliveryProblem[],
    readonly ern: MessageInfo | null,
  ) {
    super(file, problems);
  }
}

export interface DdexReleaseLoad {
  kind: 'release';
  file: string;
  message: MessageInfo;
  /** Checked and probed, each track's rights from the deals. */
  delivery: Delivery;
  /** Every identifier of the release usable as its id, its id first (pipeline/ddex-release-ids.ts chooses the release). */
  knownAs: ReleaseKey[];
  /** A TakeDown deal on the main release. */
  takedown: Takedown | null;
  /** TakeDown deals on single tracks' releases. */
  trackTakedowns: Array<{ isrc: string; takedown: Takedown }>;
  warnings: DeliveryProblem[];
}

export interface DdexPurgeLoad {
  kind: 'purge';
  file: string;
  message: MessageInfo;
  /** The purged release's id (catalog/release-id.ts). */
  upc: string;
  /** Every identifier of the release usable as its id, its id first. */
  knownAs: ReleaseKey[];
  title: string | null;
  warnings: DeliveryProblem[];
}

export type DdexLoad = DdexReleaseLoad | DdexPurgeLoad;

export interface LoadDdexOptions extends CheckDeliveryOptions {
  /** Refuse larger messages by their size, before reading them (default 16 MiB). */
  maxBytes?: number;
}

/** `cadence ingest PATH` takes the DDEX path for a folder or an `.xml` file. */
export async function isDdexPath(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  return Boolean(info?.isDirectory() || (info?.isFile() && extname(path).toLowerCase() === '.xml'));
}

/** The one ERN message of a release folder (or the file itself). */
export async function findErnMessage(path: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new CadenceError('BAD_DELIVERY', `${path}: no such file or folder`);
  if (!info.isDirectory()) return absolute;
  const xml = (await readdir(absolute, { withFileTypes: true })).filter((entry) => entry.isFile() && extname(entry.name).toLowerCase() === '.xml').map((entry) => entry.name).sort();
  if (xml.length === 1) return join(absolute, xml[0]!);
  if (xml.length === 0) throw new CadenceError('BAD_DELIVERY', `${path}: the release folder holds no ERN message (.xml file)`);
  throw new CadenceError('BAD_DELIVERY', `${path}: a release folder holds exactly one ERN message, this one holds ${xml.length}: ${xml.join(', ')}`);
}

export async function loadDdexDelivery(file: string, options: LoadDdexOptions): Promise<DdexLoad> {
  const path = resolve(file);
  const folder = dirname(path);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) throw new DdexDeliveryError(path, [{ where: basename(path), code: 'NO_FILE', message: 'the message file does not exist' }], null);
  // A huge message is refused by its size, before a byte of it is read.
  const tooLarge = sizeProblem(info.size, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (tooLarge) throw new DdexDeliveryError(path, [problemOf(tooLarge)], null);
  const read = readErnMessage(await readFile(path), { maxBytes: options.maxBytes });
  const problems = read.problems.filter((p) => p.severity === 'error').map(problemOf);
  const warnings = read.problems.filter((p) => p.severity === 'warning').map(problemOf);
  const model = read.ok ? read.model : read.partial;
  const header = read.ok ? read.model.message : read.message;
  if (!model || !header) throw new DdexDeliveryError(path, problems, header);

  if (model.kind === 'purge') {
    if (problems.length > 0) throw new DdexDeliveryError(path, problems, header);
    return { kind: 'purge', file: path, message: header, upc: model.release.key, knownAs: model.release.ids.knownAs, title: model.release.title, warnings };
  }

  const fileProblems = await verifyReferencedFiles({ folder, files: filesToVerify(model) });
  problems.push(...fileProblems);
  // A master already reported missing or outside the folder is not probed (one problem, not two).
  const unusable = new Set(fileProblems.filter((p) => p.code !== 'HASH_MISMATCH').map((p) => p.where));
  const draft = draftOf(path, model, unusable);
  const checked = await checkDelivery(draft, options);
  problems.push(...checked.problems);
  if (problems.length > 0) throw new DdexDeliveryError(path, problems, header);

  const delivery = deliveryOf(draft, checked.tracks, checked.cover ?? null, checked.warnings);
  // The message's own warnings and the files' (a cover that is not square, a stated duration far
  // from the master's) reach the acknowledgement and the summary.
  warnings.push(...delivery.warnings, ...durationWarnings(model.tracks, delivery.tracks));
  const byIsrc = new Map(model.tracks.map((track) => [track.isrc, track]));
  for (const track of delivery.tracks) track.rights = byIsrc.get(track.isrc)!.rights;
  const trackTakedowns = model.tracks.filter((t) => t.takedown !== null).map((t) => ({ isrc: t.isrc, takedown: t.takedown! }));
  return { kind: 'release', file: path, message: header, delivery, knownAs: model.release.ids.knownAs, takedown: model.takedown, trackTakedowns, warnings };
}

/** The model → the delivery draft every format fills; tracks are named by their element path. */
function draftOf(file: string, model: ReleaseDeliveryModel, unusableFiles: Set<string>): DeliveryDraft {
  const { release } = model;
  return {
    file,
    folder: dirname(file),
    label: release.label,
    release: {
      upc: release.key,
      title: withSubtitle(release.title, release.subtitle),
      artists: release.artists,
      releaseDate: release.releaseDate,
      genre: release.genre,
      territories: release.territories,
      rights: null, // per track, from the deals (set after the checks)
      cover: model.cover?.path ?? null,
    },
    tracks: model.tracks.map((track) => ({
      where: `${track.location} (${track.isrc})`,
      isrc: track.isrc,
      title: withSubtitle(track.title, track.subtitle),
      artists: track.artists,
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      master: unusableFiles.has(track.master.location) ? null : track.master.path,
      explicit: track.explicit,
      rights: null,
      recording: { genre: track.genre, credits: track.artistRoles, pLine: track.pLine },
    })),
  };
}

/** A subtitle is the version of a recording (`Live`, `Radio Edit`): shown in the title, as stores do. */
function withSubtitle(title: string, subtitle: string | null): string {
  return subtitle && !title.includes(subtitle) ? `${title} (${subtitle})` : title;
}

function problemOf({ code, path, message }: DdexProblem): DeliveryProblem {
  return { where: path, code, message };
}
