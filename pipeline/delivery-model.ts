// The delivery model every format is parsed into (JSON today, DDEX ERN next), and the one error
// a bad delivery ends in. A format's parser turns its document into a DeliveryDraft plus the
// problems it found; pipeline/delivery-checks.ts runs the checks shared by every format; only a
// draft with no problem at all becomes a Delivery.

import type { PLine, ReleaseRecord, TrackCredit } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import type { TrackRights } from '../listeners/rights-model.ts';
import type { RawRights } from './delivery-rights.ts';
import type { MasterInfo } from './types.ts';

export interface DeliveryProblem {
  /** Where in the delivery: `release.upc`, `tracks[2] (GBAYE2600003).master`, or the file. */
  where: string;
  message: string;
  /** The format's own problem code when it has one (DDEX: `BAD_ISRC`, `BAD_HASH`, …). */
  code?: string;
}

export class DeliveryError extends CadenceError {
  constructor(
    readonly file: string,
    readonly problems: DeliveryProblem[],
  ) {
    super('BAD_DELIVERY', `${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p.where}: ${p.message}`).join('\n')}`);
  }
}

/**
 * A delivery as parsed, before the shared checks. Each field holds the delivered value when it is
 * usable (present, of the right type and format), or null when it is absent or its parser has
 * already reported a problem with it: the shared checks look at every usable field, so one bad
 * field never hides the problems of another (a malformed ISRC does not stop its master being probed).
 */
export interface DeliveryDraft {
  /** The delivery document, absolute. */
  file: string;
  /** The folder master paths are relative to (and must stay inside). */
  folder: string;
  label: string | null;
  release: {
    /** The release id (catalog/release-id.ts): the UPC/EAN; a DDEX release without one, `grid:…` or `proprietary:…`. */
    upc: string | null;
    title: string | null;
    artists: string[] | null;
    releaseDate: string | null;
    /** Null when absent too: the genre is optional. */
    genre: string | null;
    territories: string[] | null;
    /** What the label licensed for the whole release, as delivered; null when absent. */
    rights: RawRights | null;
    /** The front cover image's path as delivered, relative to `folder`; null when there is none. */
    cover: string | null;
  };
  tracks: DraftTrack[];
}

export interface DraftTrack {
  /** How problems name this track: `tracks[2] (GBAYE2600003)`. */
  where: string;
  isrc: string | null;
  title: string | null;
  artists: string[] | null;
  trackNumber: number | null;
  /** 1 when the delivery leaves it out. */
  discNumber: number | null;
  /** The master's path as delivered, relative to `folder`. */
  master: string | null;
  /** False when the delivery leaves it out. */
  explicit: boolean | null;
  /** This track's own licence terms, overriding the release's field by field; null when absent. */
  rights: RawRights | null;
  /** What the label says of the recording beyond title and artists (optional in every format). */
  recording?: RecordingFacts;
}

/** A recording's genre, credits with roles and ℗ line, as delivered (each may be absent). */
export interface RecordingFacts {
  genre: string | null;
  credits: TrackCredit[];
  pLine: PLine | null;
}

export interface DeliveryTrack {
  isrc: string;
  title: string;
  artists: string[];
  trackNumber: number;
  discNumber: number;
  explicit: boolean;
  /** Absolute path of the master, checked to lie inside the delivery folder. */
  masterPath: string;
  master: MasterInfo;
  /** What the label licensed (delivery-rights.ts); absent = the release's territories and date. */
  rights?: TrackRights;
  recording?: RecordingFacts;
}

/** A release's cover that passed the checks (pipeline/delivery-cover.ts). */
export interface DeliveryCover {
  /** Absolute real path, checked to lie inside the delivery folder. */
  path: string;
  /** Hex SHA-256 of the bytes that were checked: storing re-reads and compares. */
  sha256: string;
  extension: 'jpg' | 'png';
  contentType: 'image/jpeg' | 'image/png';
  bytes: number;
}

export interface Delivery {
  file: string;
  /** `release.cover` names the stored original ({ sha256, extension }) when `cover` is set. */
  release: ReleaseRecord;
  tracks: DeliveryTrack[];
  /** The cover file to store before anything is published; null when the release has none. */
  cover: DeliveryCover | null;
  /** Accepted, but the label should know (a cover that is not square): shown in the summary. */
  warnings: DeliveryProblem[];
}
