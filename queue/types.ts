// Contracts of the ingest queue: what a job carries, what it returns, and what `cadence jobs` shows.

import type { TrackIngestInput, TrackOutcome } from '../pipeline/track-ingest.ts';

/** Where Redis is: parsed once from `CADENCE_QUEUE` at the CLI edge. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  /** `rediss://`: TLS. */
  tls: boolean;
  /** The URL as given, without credentials, for messages. */
  display: string;
  username?: string;
  password?: string;
}

/**
 * One track's job. Plain JSON: the track's `masterPath` names the label's disk, which a worker
 * cannot read, so the worker fetches `masterKey` from object storage instead.
 */
export interface TrackJobData {
  input: TrackIngestInput;
  /** Object-store key of the master (content-addressed, see storage/layout.ts `masterKey`). */
  masterKey: string;
  masterSha256: string;
}

/** A job's result is the track's outcome, exactly what the in-process ingest reports. */
export type TrackJobResult = TrackOutcome;

export type JobStateName = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized' | 'waiting-children' | 'unknown';

/** One row of `cadence jobs`. */
export interface JobView {
  id: string;
  isrc: string;
  title: string;
  upc: string;
  delivery: string;
  state: JobStateName;
  attempts: number;
  /** `code: message` of the last failed attempt, if any. */
  lastError: string | null;
  /** Set when completed. */
  outcome: TrackOutcome | null;
  createdAt: string;
  finishedAt: string | null;
}
