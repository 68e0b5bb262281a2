// The contract of ddex/: what reading one ERN message gives back. Pure data, no I/O: the caller
// reads the bytes, verifies file hashes and probes the audio (see `FileRef`), and decides what an
// update or purge changes in the catalog.

import type { Takedown, TrackRights } from '../listeners/rights-model.ts';

export type { Takedown, TrackRights };

/** What the message asks for: ERN `NewReleaseMessage`, an update (ERN 3 `UpdateIndicator`
 *  `UpdateMessage`, ERN 4 `UpdateReleaseMessage`), or `PurgeReleaseMessage`. An ERN 4
 *  NewReleaseMessage for a release already known is also an update; only the catalog knows that. */
export type MessageKind = 'new' | 'update' | 'purge';

/** The ERN family the message declared (namespace or MessageSchemaVersionId). */
export type ErnVersion = '3.8.2' | '4.3';

export interface Party {
  /** DDEX Party ID (DPID, `PADPIDA…`) when given. */
  partyId: string | null;
  name: string | null;
}

export interface MessageInfo {
  kind: MessageKind;
  ernVersion: ErnVersion;
  /** MessageHeader/MessageId: the key of the acknowledgement. */
  id: string;
  threadId: string | null;
  /** MessageCreatedDateTime as an ISO-8601 UTC instant: messages for a release apply in this order. */
  createdAt: string;
  sender: Party;
  recipients: Party[];
  /** `LiveMessage` or `TestMessage`, when given. */
  controlType: string | null;
}

export interface ProprietaryId {
  namespace: string | null;
  value: string;
}

/** How the release is identified. A release without an ICPN is known by its GRid or proprietary id. */
export interface ReleaseIds {
  /** UPC-A or EAN-13, check digit verified. */
  icpn: string | null;
  /** GRid without hyphens (18 characters). */
  grid: string | null;
  proprietary: ProprietaryId[];
  /**
   * Every one of them usable as a release id (catalog/release-id.ts), in the order that picks the
   * release's id (ICPN, GRid, proprietary ids): the catalog may know the release by any of them.
   */
  knownAs: ReleaseKey[];
}

/** One of a release's identifiers as a release id, and the element it came from (for problems). */
export interface ReleaseKey {
  id: string;
  location: string;
}

export type HashAlgorithm = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface FileHash {
  algorithm: HashAlgorithm;
  /** Lower-case hex. */
  value: string;
}

/** A file the message refers to. The path is checked to stay inside the release folder (relative,
 *  no `..`, no URL); the caller checks it exists, resolves symlinks and verifies `hash`. */
export interface FileRef {
  /** Relative to the folder holding the message, `/`-separated. */
  path: string;
  hash: FileHash | null;
  /** Element path of the `File` element, for problems the caller finds (missing file, bad hash). */
  location: string;
}

export interface ArtistCredit {
  name: string;
  /** DDEX role as written: `MainArtist`, `FeaturedArtist`, `Producer`, `Composer`, … */
  role: string;
}

export interface PLine {
  year: number | null;
  text: string;
}

export interface DdexTrack {
  isrc: string;
  title: string;
  /** DDEX SubTitle (a version such as `Live` or `Radio Edit`), when given. */
  subtitle: string | null;
  /** Display artists in sequence order. */
  artists: string[];
  /** Display artists and contributors with their roles. */
  artistRoles: ArtistCredit[];
  trackNumber: number;
  discNumber: number;
  /** From the ISO-8601 duration (`PT3M20.5S`); null when not given. */
  durationSeconds: number | null;
  genre: string | null;
  /** ParentalWarningType `Explicit`. */
  explicit: boolean;
  pLine: PLine | null;
  master: FileRef;
  /** From the deals that cover this track (its release's and its track release's). */
  rights: TrackRights;
  takedown: Takedown | null;
  /** ResourceReference (`A1`) and element path, for messages and acknowledgements. */
  resourceReference: string;
  location: string;
}

export interface DdexCover {
  path: string;
  hash: FileHash | null;
  location: string;
}

export interface DdexRelease {
  ids: ReleaseIds;
  /** The ICPN when there is one (the JSON delivery's `upc`). */
  upc: string | null;
  /** The release's id (catalog/release-id.ts): the ICPN, else `grid:<GRid>`, else `proprietary:<ns>:<id>`. */
  key: string;
  title: string;
  subtitle: string | null;
  artists: string[];
  artistRoles: ArtistCredit[];
  label: string;
  /** YYYY-MM-DD. */
  releaseDate: string;
  genre: string | null;
  /** `['WW']` or ISO codes: where any streaming deal applies (exclusions live in each track's rights). */
  territories: string[];
  /** DDEX ReleaseType: `Album`, `Single`, `EP`, … */
  releaseType: string | null;
  pLine: PLine | null;
  cLine: string | null;
}

/** A NewReleaseMessage or update for one audio release, mapped. */
export interface ReleaseDeliveryModel {
  kind: 'release';
  message: MessageInfo;
  release: DdexRelease;
  /** In disc, then track order. */
  tracks: DdexTrack[];
  cover: DdexCover | null;
  /** Set when a deal on the main release takes it down. */
  takedown: Takedown | null;
}

/** A PurgeReleaseMessage: the release becomes unavailable. */
export interface PurgeReleaseModel {
  kind: 'purge';
  message: MessageInfo;
  release: { ids: ReleaseIds; key: string; title: string | null };
}

export type DdexMessageModel = ReleaseDeliveryModel | PurgeReleaseModel;

export type DdexProblemCode =
  | 'TOO_LARGE' // over the byte cap
  | 'TOO_DEEP' // elements nested deeper than the cap
  | 'DOCTYPE' // a DOCTYPE / ENTITY declaration: refused outright, nothing is expanded or fetched
  | 'ENCODING' // not UTF-8 / UTF-16, or bytes that do not decode
  | 'MALFORMED' // not well-formed XML
  | 'ENTITY' // a reference to an entity XML does not predefine
  | 'UNKNOWN_MESSAGE' // not an ERN 3.8.2 / 4.3 release, update or purge message
  | 'MISSING' // a required element is absent or empty
  | 'BAD_ISRC'
  | 'BAD_ICPN'
  | 'BAD_GRID'
  | 'BAD_DATE' // malformed, or a date that does not exist
  | 'BAD_DURATION'
  | 'BAD_NUMBER'
  | 'BAD_TERRITORY'
  | 'UNKNOWN_REFERENCE' // a ResourceReference / ReleaseReference / PartyReference nothing defines
  | 'NO_FILE' // a resource without a file reference
  | 'UNSAFE_PATH' // a file path outside the release folder: absolute, `..`, URL
  | 'BAD_HASH' // no hash, an unsupported algorithm, or a value of the wrong form
  | 'NO_MAIN_RELEASE' // no (or more than one) main release
  | 'DUPLICATE' // two tracks with one ISRC or one position
  | 'APPROXIMATED'; // (warning) deals that one TrackRights record cannot express exactly

export interface DdexProblem {
  code: DdexProblemCode;
  /** Errors refuse the message; warnings are reported and the message is still usable. */
  severity: 'error' | 'warning';
  /** Element path: `/NewReleaseMessage/ResourceList/SoundRecording[3]/SoundRecordingId/ISRC`. */
  path: string;
  message: string;
}

export type ReadErnResult =
  | { ok: true; model: DdexMessageModel; problems: DdexProblem[] }
  /** `message` when the header could be read, so an acknowledgement can name the message;
   *  `partial` when the rest mapped despite the errors (only well-formed tracks in it), so a
   *  caller can still check the files it names and report every problem at once. */
  | { ok: false; message: MessageInfo | null; problems: DdexProblem[]; partial?: DdexMessageModel };

export interface ReadErnOptions {
  /** Refuse larger messages before decoding (default 16 MiB: a 500-track album is about 1 MB). */
  maxBytes?: number;
  /** Refuse elements nested deeper (default 40: ERN needs about 12; at most 64). */
  maxDepth?: number;
  /** Refuse messages with more elements (default 2 000 000). */
  maxElements?: number;
  /** Tiers each DDEX CommercialModelType opens; defaults in ddex/deal-rights.ts. */
  tiersByCommercialModel?: Readonly<Record<string, readonly string[] | null>>;
}
