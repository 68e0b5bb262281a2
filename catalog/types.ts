// The catalog contract: a sidecar SQLite index of what is published in object storage. Every
// fact here can be rebuilt from storage (`cadence reindex`).

import type { Takedown, TrackRights } from '../listeners/rights-model.ts';

export interface ReleaseRecord {
  upc: string;
  label: string;
  title: string;
  artists: string[];
  /** ISO date, YYYY-MM-DD. */
  releaseDate: string;
  genre: string | null;
  /** ISO 3166-1 alpha-2 codes, or `WW`. */
  territories: string[];
}

export interface TrackRecord {
  isrc: string;
  upc: string;
  title: string;
  artists: string[];
  trackNumber: number;
  discNumber: number;
  explicit: boolean;
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
}

export interface PublishInput {
  release: ReleaseRecord;
  track: TrackRecord;
  version: VersionRecord;
  /** What the label licensed; absent = the release's territories from its date, no end, every tier. */
  rights?: TrackRights;
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
  release: ReleaseRecord;
  /** null until a version is published. */
  current: VersionRecord | null;
}

export type JobState = 'running' | 'published' | 'skipped' | 'failed';

export interface JobRecord {
  id: number;
  isrc: string;
  delivery: string;
  state: JobState;
  version: string | null;
  lastError: string | null;
  startedAt: string;
  finishedAt: string | null;
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
  genre: string | null;
  /** Seconds. */
  duration: number;
  /** How the words matched: every word as typed, the last word as a prefix, or after typo correction. */
  match: 'exact' | 'prefix' | 'corrected';
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
  /** Many publishes in one transaction (bulk loads, reindex). */
  publishMany(inputs: readonly PublishInput[]): void;
  /**
   * One transaction: upsert label, release (+ territories), track, version (+ renditions), and
   * flip the track's current version. Publishing the version that is already current is a no-op
   * apart from metadata updates; never creates duplicate rows.
   */
  publish(input: PublishInput): void;
  currentVersion(isrc: string): string | null;
  getTrack(isrc: string): TrackView | null;
  /** Every track with a current version. */
  listCurrent(): Array<{ isrc: string; version: string }>;
  /** Every version any track points at (current), as `isrc/version`. */
  referencedVersions(): Set<string>;
  /** A published track's rights and takedown; null for an unknown track. */
  availability(isrc: string): TrackAvailability | null;
  /**
   * Takes the target's tracks down (`takedown`) or restores them (null), in one transaction; no
   * media is touched. Returns the ISRCs changed; NOT_FOUND names an unknown ISRC or UPC.
   */
  setTakedown(target: TakedownTarget, takedown: Takedown | null): string[];
  startJob(input: { isrc: string; delivery: string }): number;
  finishJob(id: number, outcome: { state: Exclude<JobState, 'running'>; version?: string | null; error?: string | null }): void;
  jobs(isrc?: string): JobRecord[];
  close(): void;
}
