// The checks every delivery format shares, run over the usable fields of a DeliveryDraft:
// identifiers, dates, territories, duplicate ISRCs and positions, master paths that stay inside
// the delivery folder, and a probe of every master. A field its parser refused is null and
// skipped here, so every other problem is still found: all are reported at once.

import { realpath } from 'node:fs/promises';
import PQueue from 'p-queue';
import { isReleaseIdShape, upcOf } from '../catalog/release-id.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { checkDeliveryCover } from './delivery-cover.ts';
import { resolveDeliveryFile } from './delivery-file.ts';
import type { DeliveryCover, DeliveryDraft, DeliveryProblem, DeliveryTrack, DraftTrack } from './delivery-model.ts';
import { isCalendarDate, isIsrc, isUpc } from './identifiers.ts';
import { probeMaster } from './probe.ts';
import { isTerritory, WORLDWIDE } from './territories.ts';

export interface CheckDeliveryOptions {
  ffprobePath: string;
  maxDurationSeconds?: number;
  /** Masters probed at once. */
  probeConcurrency?: number;
}

export interface CheckedDelivery {
  /** The tracks whose master was found and probed, in delivery order. */
  tracks: DeliveryTrack[];
  problems: DeliveryProblem[];
  /** The release's cover when it has one and it passed (delivery-cover.ts); else null. */
  cover?: DeliveryCover | null;
  /** Accepted, but worth telling the label (a cover that is not square). */
  warnings?: DeliveryProblem[];
}

export async function checkDelivery(draft: DeliveryDraft, options: CheckDeliveryOptions): Promise<CheckedDelivery> {
  const problems = [...checkRelease(draft), ...checkTracks(draft)];
  // The cover decodes while the masters are probed.
  const [cover, masters] = await Promise.all([checkDeliveryCover(draft), checkMasters(draft, options)]);
  return { tracks: masters.tracks, problems: [...problems, ...cover.problems, ...masters.problems], cover: cover.cover, warnings: cover.warnings };
}

function checkRelease({ release }: DeliveryDraft): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const { upc, releaseDate, territories } = release;
  // A DDEX release without an ICPN comes keyed by its GRid or proprietary id, checked by the reader.
  const keyedOtherwise = upc !== null && isReleaseIdShape(upc) && upcOf(upc) === null;
  if (upc !== null && !keyedOtherwise) {
    if (!/^[0-9]{12,13}$/.test(upc)) problems.push({ where: 'release.upc', message: 'must be a UPC-A or EAN-13: 12 or 13 digits' });
    else if (!isUpc(upc)) problems.push({ where: 'release.upc', message: `${upc} has a wrong check digit` });
  }
  if (releaseDate !== null && !isCalendarDate(releaseDate)) {
    problems.push({ where: 'release.releaseDate', message: `${releaseDate} is not a calendar date` });
  }
  if (territories !== null) {
    territories.forEach((code, i) => {
      if (!isTerritory(code)) problems.push({ where: `release.territories[${i}]`, message: `${code} is not an ISO 3166-1 country code` });
    });
    if (territories.includes(WORLDWIDE) && territories.length > 1) {
      problems.push({ where: 'release.territories', message: 'WW (worldwide) cannot be combined with country codes' });
    }
  }
  return problems;
}

function checkTracks({ tracks }: DeliveryDraft): DeliveryProblem[] {
  const problems: DeliveryProblem[] = [];
  const firstIsrc = new Map<string, number>();
  const firstPosition = new Map<string, number>();
  tracks.forEach((track, i) => {
    const { where, isrc, trackNumber, discNumber } = track;
    if (isrc !== null) {
      const earlier = firstIsrc.get(isrc);
      if (!isIsrc(isrc)) problems.push({ where: `${where}.isrc`, message: 'must be an ISRC: 12 characters like GBAYE2600001, no hyphens' });
      else if (earlier !== undefined) problems.push({ where: `${where}.isrc`, message: `duplicate ISRC, also used by tracks[${earlier}]` });
      else firstIsrc.set(isrc, i);
    }
    if (trackNumber !== null && discNumber !== null) {
      const position = `${discNumber}-${trackNumber}`;
      const samePosition = firstPosition.get(position);
      if (samePosition !== undefined) {
        problems.push({ where: `${where}.trackNumber`, message: `disc ${discNumber} track ${trackNumber} is also tracks[${samePosition}]` });
      } else firstPosition.set(position, i);
    }
  });
  return problems;
}

/** Resolves each usable master inside the delivery folder (symlinks included) and probes it. */
async function checkMasters(draft: DeliveryDraft, options: CheckDeliveryOptions): Promise<CheckedDelivery> {
  const folder = await realpath(draft.folder);
  const queue = new PQueue({ concurrency: options.probeConcurrency ?? 4 });
  const outcomes = await Promise.all(
    draft.tracks.map((track) => (track.master === null ? null : queue.add(() => checkMaster(folder, track, track.master!, options)))),
  );
  // Problems in track order, whatever order the probes finished in.
  const checked: CheckedDelivery = { tracks: [], problems: [] };
  for (const outcome of outcomes) {
    if (!outcome) continue;
    if ('problem' in outcome) checked.problems.push(outcome.problem);
    else if (outcome.track) checked.tracks.push(outcome.track);
  }
  return checked;
}

async function checkMaster(
  folder: string,
  track: DraftTrack,
  master: string,
  options: CheckDeliveryOptions,
): Promise<{ track: DeliveryTrack | null } | { problem: DeliveryProblem }> {
  const where = `${track.where}.master`;
  const resolved = await resolveDeliveryFile(folder, master);
  if ('problem' in resolved) return { problem: { where, message: resolved.problem } };
  const masterPath = resolved.path;
  let info;
  try {
    info = await probeMaster(masterPath, options);
  } catch (error) {
    if (!(error instanceof CadenceError)) throw error;
    return { problem: { where, message: error.message.replace(`${masterPath}: `, `${master}: `) } };
  }
  const { isrc, title, artists, trackNumber, discNumber, explicit, recording } = track;
  // A track with other problems has no place in a Delivery; its master was still worth checking.
  if (isrc === null || title === null || artists === null || trackNumber === null || discNumber === null || explicit === null) return { track: null };
  return { track: { isrc, title, artists, trackNumber, discNumber, explicit, masterPath, master: info, ...(recording ? { recording } : {}) } };
}
