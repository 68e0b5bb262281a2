// Plays shared between origin nodes (issue 12 part 6). With CADENCE_QUEUE set, each node sends the
// plays it counted (after its own per-client dedupe) to one Redis stream; every node reads the
// stream and adds the counts to its own catalog, remembering the last entry it applied.

import type { StoreLogger } from '../storage/types.ts';

export type PlayCounts = ReadonlyArray<{ isrc: string; plays: number }>;

/** The stream every node appends to and reads. */
export const PLAY_STREAM = 'cadence:plays';
/** Entries kept (XADD MAXLEN ~): one entry is one node's batch of a second or so. */
export const DEFAULT_PLAY_STREAM_MAX_LEN = 1_000_000;

export interface PlayStreamProducerOptions {
  /** `redis://…` (CADENCE_QUEUE). */
  url: string;
  logger: StoreLogger;
  stream?: string;
  /** Approximate bound on the stream's length (XADD MAXLEN ~). */
  maxLen?: number;
  /** Tracks whose counts are held while Redis is away; counts for further tracks are dropped (logged). */
  maxPendingTracks?: number;
  /** How often held counts are offered to Redis again while it is away. */
  retryMs?: number;
  /** Names this node in the entries it writes (for operators reading the stream). */
  node?: string;
}

export interface PlayStreamProducerStatus {
  /** Plays appended to the stream by this process. */
  sent: number;
  /** Plays held because Redis did not take them yet. */
  pending: number;
  /** Plays given up: held-tracks bound reached, or still held at shutdown. */
  dropped: number;
}

export interface PlayStreamProducer {
  /** Hands counts over; they are appended as one stream entry, now or when Redis is back. */
  send(counts: PlayCounts): void;
  status(): PlayStreamProducerStatus;
  /** Sends what is held (one last try), then disconnects; what Redis did not take is dropped and logged. */
  close(): Promise<void>;
}

export interface PlayStreamReaderStatus {
  /** Stream entries this process added to the catalog. */
  applied: number;
  /** The last entry id this catalog counted, or null. */
  position: string | null;
}

export interface PlayStreamReader {
  status(): PlayStreamReaderStatus;
  /** Resolves once everything in the stream when this was called has been applied. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}
