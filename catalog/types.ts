// The catalog contract: a sidecar SQLite index of what is published in object storage. Every
// fact here can be rebuilt from storage (`cadence reindex`).

import type { Takedown, TrackRights } from '../listeners/rights-model.ts';

export interface ReleaseRecord {
  /** The release id (catalog/release-id.ts): its UPC/EAN, or `grid:…` / `proprietary:…` for a release without one. */
  upc: string;
  label: string;
  title: string;
  artists: string[];
  /** ISO date, YYYY-MM-DD. */
  releaseDate: string;
  genre: string | null;
  /** ISO 3166-1 alpha-2 codes, or `WW`. */
  territories: string[];
  /**
   * The front cover, stored content-addressed at `releases/{upc}/cover/<sha256>.<extension>`
   * (storage/layout.ts coverOriginalKey). Null: no cover. Absent in facts written before covers
   * were kept (journal entries, meta.json): the same as null. Reads always set it.
   */
  cover?: ReleaseCover | null;
  /**
   * The release's other ids (catalog/release-id.ts), learned after `upc` was given: a release first
   * delivered by GRid alone (`grid:…`) and later with its ICPN has the ICPN here. The release keeps
   * `upc` for good (keys, URLs and the journal stay valid); these name it too (routes, CLI, DDEX
   * messages). Never `upc` itself; sorted; absent or empty: none. Reads set it only when there are some.
   */
  aliases?: string[];
}

/** A release's stored cover original: enough to find it in storage and to version its URLs. */
export interface ReleaseCover {
  /** Hex SHA-256 of the original's bytes. */
  sha256: string;
  extension: 'jpg' | 'png';
}

/** A contributor as the label credits them, with the DDEX role as written (`Composer`, `Producer`, …). */
export interface TrackCredit {
  name: string;
  role: string;
}

/** The sound recording copyright (℗) line. */
export interface PLine {
  year: number | null;
  text: string;
}

/** A track's facts as one release lists it: `upc`, `trackNumber` and `discNumber` are per release. */
export interface TrackRecord {
  isrc: string;
  upc: string;
  title: string;
  artists: string[];
  trackNumber: number;
  discNumber: number;
  explicit: boolean;
  /** The recording's own genre; absent or null: the release's. */
  genre?: string | null;
  /** Display artists and contributors with their roles; absent: none given. */
  credits?: TrackCredit[];
  /** Absent or null: none given. */
  pLine?: PLine | null;
}

export interface RenditionRecord {
  id: string;
  codec: string;
  codecs: string;
  sampleRate: number;
  channels: number;
  bitDepth: number | null;
  averageBitrate: number;
  peakBitrate: number;
}

export interface VersionRecord {
  isrc: string;
  /** Content-derived id of one packaging (master content + ladder settings). */
  version: string;
  durationSeconds: number;
  loudness: { integrated: number | null; range: number; truePeak: number | null };
  renditions: RenditionRecord[];
  /** ISO-8601. */
  publishedAt: string;
  /** Hex SHA-256 of the master it was made from; null for versions published before it was kept. */
  masterSha256?: string | null;
}

export interface PublishInput {
  release: ReleaseRecord;
  track: TrackRecord;
  version: VersionRecord;
  /** What the label licensed; absent = the release's territories from its date, no end, every tier. */
  rights?: TrackRights;
  /**
   * The version that was current when the caller decided to publish (null: no track yet). When
   * given, a different master published since is a CONFLICT instead of a silent last-writer-wins.
   * Omitted by reindex, which restores what storage already decided.
   */
  expectedCurrent?: string | null;
}

/** What `ownershipConflict` needs to know of a publish (a PublishInput is one). */
export interface OwnershipClaim {
  release: Pick<ReleaseRecord, 'upc' | 'label' | 'aliases'>;
  track: Pick<TrackRecord, 'isrc'>;
  version: Pick<VersionRecord, 'version' | 'masterSha256'>;
  expectedCurrent?: string | null;
}

/** One release a track is on, with its position there. */
export interface ReleaseMembership {
  upc: string;
  title: string;
  trackNumber: number;
  discNumber: number;
}

/** A published track's licence and whether it is taken down (catalog/rights-statements.ts). */
export interface TrackAvailability {
  rights: TrackRights;
  takedown: Takedown | null;
}

/** Which tracks a takedown or restore applies to: these ISRCs, or every track of a release. */
export type TakedownTarget = { isrcs: string[] } | { upc: string };

/** What the origin and the CLI read about one track. */
export interface TrackView extends TrackRecord {
  /** The release that first published the track; its label owns the ISRC. */
  release: ReleaseRecord;
  /** Every release listing the track, the owning release first. */
  releases: ReleaseMembership[];
  /** null until a version is published. */
  current: VersionRecord | null;
}

/** One stored version of a track, as an operator sees it (`cadence track`). */
export interface VersionSummary {
  version: string;
  /** ISO-8601, when it was first published. */
  publishedAt: string;
  /** Hex SHA-256 of its master; null for versions published before it was kept. */
  masterSha256: string | null;
  durationSeconds: number;
  /** Rendition ids in ladder order. */
  renditions: string[];
  /** The version the track serves now. */
  current: boolean;
}

/** A release a track is on, with its position there and whether it owns the track. */
export interface TrackReleaseEntry extends ReleaseMembership {
  label: string;
  /** The release that first published the track: its label owns the ISRC. */
  owner: boolean;
}

/** Everything the catalog knows of one published track (`cadence track ISRC`). */
export interface TrackDetails {
  isrc: string;
  title: string;
  artists: string[];
  explicit: boolean;
  currentVersion: string | null;
  /** Newest first. */
  versions: VersionSummary[];
  /** The owning release first. */
  releases: TrackReleaseEntry[];
  /** null only for a track with no rights row (none is published without one). */
  availability: TrackAvailability | null;
  /** The track's latest ingest jobs, newest first. */
  jobs: JobRecord[];
}

/** One row of `cadence tracks`: a track as one release lists it. */
export interface TrackListing {
  isrc: string;
  title: string;
  artists: string[];
  /** The listed release (`--release`), else the owning one. */
  upc: string;
  discNumber: number;
  trackNumber: number;
  currentVersion: string | null;
  /** When the current version was published. */
  publishedAt: string | null;
  durationSeconds: number | null;
  availability: TrackAvailability | null;
  /** The latest ingest job of the track, or null when none is recorded here. */
  lastJob: Pick<JobRecord, 'id' | 'state' | 'lastError' | 'finishedAt'> | null;
}

/**
 * A takedown or restore as the publish journal carries it: the tracks already resolved by the
 * writer (a `--upc` names the release's tracks at that moment), so every node changes the same ones.
 */
export interface AvailabilityChange {
  kind: 'availability';
  isrcs: string[];
  /**
   * The takedown (its reason, UTC time and source: an operator or a DDEX message), or null to
   * restore. Entries written before sources were kept have none: the catalog infers it.
   */
  takedown: Takedown | null;
  /** The release named on the command line, when it named one: for the record only. */
  upc?: string;
}

/**
 * Tracks a release no longer lists (a DDEX update that dropped them): they leave its track list on
 * every node (catalog/membership-statements.ts). Media, versions and rights are untouched.
 */
export interface ReleaseTracksChange {
  kind: 'release-tracks';
  upc: string;
  /** The ISRCs that leave the release. */
  removed: string[];
}

/** What taking tracks off a release did (Catalog.removeFromRelease). */
export interface ReleaseRemoval {
  /** The ISRCs that were on the release and left it. */
  removed: string[];
  /** Tracks whose owning release dropped them: now owned by another release that lists them. */
  moved: Array<{ isrc: string; upc: string }>;
  /** Tracks that are now on no release at all (they keep their owner, label and versions). */
  onNoRelease: string[];
}

/** One change of what is published, as the publish journal records it. */
export type CatalogChange = { kind: 'publish'; input: PublishInput } | AvailabilityChange | ReleaseTracksChange;

/**
 * A numbered, immutable entry of the publish journal (journal/). It carries everything the catalog
 * needs to apply it, so a node applies it without reading anything else.
 */
export interface JournalEntry {
  /** 1, 2, 3, … without gaps. */
  number: number;
  /** ISO-8601, when it was written. */
  at: string;
  /** Who wrote it (host, process, a random id): no two writers write the same bytes. */
  writer: string;
  change: CatalogChange;
}

/** How far this catalog has applied the journal. */
export interface JournalPosition {
  /** The last entry applied; 0 when none. */
  number: number;
  /** That entry's `at`, or null. */
  entryAt: string | null;
}

/** `aborted`: the ingest was interrupted (SIGINT, SIGTERM) while this track was in progress. */
export type JobState = 'running' | 'published' | 'skipped' | 'failed' | 'aborted';

/** The process that runs a job: a later run marks `running` jobs whose owner is gone. */
export interface JobOwner {
  pid: number;
  host: string;
  /** ISO-8601 start of the process (tells a reused pid from the owner). */
  startedAt: string;
}

export interface JobRecord {
  id: number;
  isrc: string;
  delivery: string;
  state: JobState;
  version: string | null;
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** null for jobs recorded before owners were (schema 8). */
  owner: JobOwner | null;
}

export interface SearchQuery {
  /** What the listener typed; at most 200 characters (longer is a BAD_INPUT error). */
  q: string;
  /** 1–50; default 10. */
  limit?: number;
  /** Only tracks whose genre matches these words. */
  genre?: string;
  /** Only tracks with an artist matching these words. */
  artist?: string;
}

export interface SearchResult {
  isrc: string;
  title: string;
  artists: string[];
  album: string;
  /** The id (catalog/release-id.ts) of the release the track is found under (its owning release). */
  upc: string;
  /** That release's cover hash, for its URL (origin/cover-route.ts coverUrl); null: no cover. */
  coverSha256: string | null;
  /** The recording's own genre, else its release's. */
  genre: string | null;
  /** Seconds. */
  duration: number;
  /** Players show the explicit mark beside a result. */
  explicit: boolean;
  /** Its position on the release it is found under. */
  discNumber: number;
  trackNumber: number;
  /** How the words matched: every word as typed, the last word as a prefix, or after typo correction. */
  match: 'exact' | 'prefix' | 'corrected';
}

/** One entry of the shared play stream (plays/): the counts one origin node sent in one batch. */
export interface PlayStreamEvent {
  /** The Redis stream id, `<ms>-<seq>`. */
  id: string;
  counts: ReadonlyArray<{ isrc: string; plays: number }>;
}

export interface Catalog {
  /**
   * Best first: exact before prefix before corrected; within a pass, the title or an artist being
   * exactly the typed words, then where the words are (title, artist > album > genre, damped by the
   * field's length; search-query.ts rank), then popularity, then the older track.
   */
  search(query: SearchQuery): SearchResult[];
  /** Adds playback counts (popularity), in one transaction. */
  recordPlays(counts: ReadonlyArray<{ isrc: string; plays: number }>): void;
  /** The id of the last entry of the shared play stream `stream` this catalog counted, or null. */
  playStreamPosition(stream: string): string | null;
  /**
   * Adds the counts of every event after the stored position and stores the newest id, in one
   * transaction; events at or before the position are skipped. Returns how many were applied.
   */
  applyPlayEvents(stream: string, events: readonly PlayStreamEvent[]): number;
  /** Many publishes in one transaction (bulk loads, reindex). */
  publishMany(inputs: readonly PublishInput[]): void;
  /**
   * One transaction: upsert label, release (+ territories), track, its place on the release,
   * version (+ renditions), and flip the track's current version. Publishing the version that is
   * already current is a no-op apart from metadata updates; never creates duplicate rows.
   * CONFLICT (nothing written) when `ownershipConflict` finds one.
   */
  publish(input: PublishInput): void;
  /**
   * Why this publish may not happen, or null: the ISRC or the UPC belongs to another label, or
   * (with `expectedCurrent`) another master became current since the caller looked.
   */
  ownershipConflict(claim: OwnershipClaim): string | null;
  getRelease(upc: string): ReleaseRecord | null;
  /**
   * The id of the release `id` names: `id` itself when a release has it as its id, else the release
   * that has it among its aliases (ReleaseRecord.aliases); null when no release is known by it.
   * `listTracks({ upc })`, `setTakedown` and `takedownTargets` take any of a release's ids this way.
   */
  resolveRelease(id: string): string | null;
  /** A release's other ids (ReleaseRecord.aliases), sorted; none: empty. One statement, no release row. */
  releaseAliases(upc: string): string[];
  /**
   * The earliest `startsAt` among the rights of the release's tracks (ISO-8601 UTC): when the first
   * of them may be streamed, so its cover may be shown. Null when the release lists no track.
   */
  releaseStartsAt(upc: string): string | null;
  /**
   * The latest `endsAt` among the rights of the release's tracks (ISO-8601 UTC): when the last of
   * them stops being streamable, so its cover stops being shown. Null while any of them is
   * open-ended, and when the release lists no track.
   */
  releaseEndsAt(upc: string): string | null;
  /**
   * Applies the next journal entry and advances the position in one transaction. An entry at or
   * below the position is ignored (false); one that skips a number is a CATALOG error. Entries
   * were checked by their writer, so applying them checks no ownership.
   */
  applyJournalEntry(entry: JournalEntry): boolean;
  journalPosition(): JournalPosition;
  /** Where the journal stands after a rebuild from storage (reindex, a restored snapshot). */
  setJournalPosition(position: JournalPosition): void;
  /** Writes a consistent copy of the whole catalog to `path` (which must not exist). */
  snapshotTo(path: string): void;
  currentVersion(isrc: string): string | null;
  getTrack(isrc: string): TrackView | null;
  /** A track's versions, releases, availability and latest `jobs` (default 5) ingest jobs; null when unknown. */
  trackDetails(isrc: string, options?: { jobs?: number }): TrackDetails | null;
  /**
   * Every track (by ISRC), or with `upc` the tracks of that release in disc and track order; null
   * when that release is unknown. One read transaction, so the list is one consistent view.
   */
  listTracks(options?: { upc?: string }): TrackListing[] | null;
  /** Every track with a current version. */
  listCurrent(): Array<{ isrc: string; version: string }>;
  /** Every version any track points at (current), as `isrc/version`. */
  referencedVersions(): Set<string>;
  /** A published track's rights and takedown; null for an unknown track. */
  availability(isrc: string): TrackAvailability | null;
  /**
   * The takedown (or null) of each published track the release lists, whichever release owns
   * it; empty for an unknown release or one listing no published track. One statement.
   */
  releaseTakedowns(upc: string): Array<Takedown | null>;
  /**
   * Takes the target's tracks down (`takedown`) or restores them (null), in one transaction; no
   * media is touched. Returns the ISRCs changed; NOT_FOUND names an unknown ISRC or UPC.
   */
  setTakedown(target: TakedownTarget, takedown: Takedown | null): string[];
  /**
   * Takes these tracks off the release's track list, in one transaction (see ReleaseRemoval); an
   * ISRC not on it is skipped. Used without a journal and by reindex; with one, a ReleaseTracksChange.
   */
  removeFromRelease(upc: string, isrcs: readonly string[]): ReleaseRemoval;
  /**
   * The published ISRCs a takedown or restore of `target` would change (a DDEX takedown leaves an
   * operator's alone); NOT_FOUND as setTakedown. Writes nothing.
   */
  takedownTargets(target: TakedownTarget, takedown: Takedown | null): string[];
  startJob(input: { isrc: string; delivery: string; owner?: JobOwner }): number;
  finishJob(id: number, outcome: { state: Exclude<JobState, 'running'>; version?: string | null; error?: string | null }): void;
  jobs(isrc?: string): JobRecord[];
  /**
   * Marks every `running` job whose owner `isGone` says has ended as `failed`
   * ("ABORTED: owner process … is gone"), so no job stays running forever. Returns those jobs.
   */
  failAbandonedJobs(isGone: (owner: JobOwner | null) => boolean): JobRecord[];
  /** SQLite's quick integrity check (reads every page, off the event loop): null when sound, else the first problem. */
  quickCheck(): Promise<string | null>;
  close(): void;
}
