// `cadence ingest`: validate the whole delivery, then run one job per track (p-queue) that
// packages, uploads and publishes it (track-ingest.ts). A failing track does not stop the others.
// Re-running is a no-op for published tracks and finishes whatever a crash left half done; the
// same master with corrected titles, artists or release facts adds a metadata revision and
// republishes, without encoding again.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { Delivery, DeliveryTrack } from './delivery.ts';
import { ffmpegVersion } from './ffmpeg-runner.ts';
import type { PublishLog } from './publish-version.ts';
import { ingestTrack, type TrackOutcome } from './track-ingest.ts';
import { type Logger, type ToolPaths, silentLogger } from './types.ts';

export type { TrackChange, TrackOutcome, TrackState } from './track-ingest.ts';

export interface IngestReport {
  delivery: string;
  upc: string;
  dryRun: boolean;
  tracks: TrackOutcome[];
  published: number;
  skipped: number;
  failed: number;
}

export interface IngestEvents {
  trackStarted?(track: DeliveryTrack): void;
  trackProgress?(isrc: string, percent: number, stage: string): void;
  trackFinished?(outcome: TrackOutcome): void;
}

export interface IngestOptions extends ToolPaths {
  /** A delivery that passed `loadDelivery`: everything was checked before any work starts. */
  delivery: Delivery;
  store: ObjectStore;
  catalog: Catalog;
  /** The publish journal every publish goes through (journal/journal-writer.ts). */
  journal?: PublishLog;
  /** Tracks processed at once; defaults to one per core. */
  concurrency?: number;
  maxDurationSeconds?: number;
  signal?: AbortSignal;
  logger?: Logger;
  events?: IngestEvents;
}

export function ingestReport(delivery: Delivery, tracks: TrackOutcome[], dryRun = false): IngestReport {
  return {
    delivery: delivery.file,
    upc: delivery.release.upc,
    dryRun,
    tracks,
    published: tracks.filter((t) => t.state === 'published').length,
    skipped: tracks.filter((t) => t.state === 'skipped').length,
    failed: tracks.filter((t) => t.state === 'failed').length,
  };
}

export async function ingestDelivery(options: IngestOptions): Promise<IngestReport> {
  const { delivery, signal, events = {}, logger = silentLogger } = options;

  const cores = availableParallelism();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? cores, delivery.tracks.length));
  // Tracks in parallel share the cores: each gets its slice of ffmpeg processes.
  const workersPerTrack = Math.max(1, Math.floor(cores / concurrency));
  const ffmpegBuild = await ffmpegVersion(options.ffmpegPath);
  const scratch = await mkdtemp(join(tmpdir(), 'cadence-ingest-'));
  try {
    const queue = new PQueue({ concurrency });
    const outcomes = await Promise.all(
      delivery.tracks.map((track) =>
        queue.add(async () => {
          events.trackStarted?.(track);
          const outcome = await ingestTrack(
            { deliveryFile: delivery.file, release: delivery.release, track },
            {
              ...options,
              ffmpegBuild,
              scratch,
              workers: workersPerTrack,
              logger,
              onProgress: (percent, stage) => events.trackProgress?.(track.isrc, percent, stage),
            },
          );
          events.trackFinished?.(outcome);
          return outcome;
        }, { signal }),
      ),
    );
    return ingestReport(delivery, outcomes.filter((outcome): outcome is TrackOutcome => outcome !== undefined));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
