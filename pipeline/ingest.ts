// `cadence ingest`: validate the whole delivery, then run one job per track (p-queue) that
// packages, uploads and publishes it (track-ingest.ts). A failing track does not stop the others.
// Re-running is a no-op for published tracks and finishes whatever a crash left half done; the
// same master with corrected titles, artists or release facts adds a metadata revision and
// republishes, without encoding again.

import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { Delivery, DeliveryTrack } from './delivery.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { storeDeliveryCover } from './cover-store.ts';
import { ffmpegVersion } from './ffmpeg-runner.ts';
import { type JobLedger, jobLedger } from './job-ledger.ts';
import type { PublishLog } from './publish-version.ts';
import { makeScratchDir, sweepAbandonedScratch } from './scratch-dir.ts';
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
  aborted: number;
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
    aborted: tracks.filter((t) => t.state === 'aborted').length,
  };
}

export async function ingestDelivery(options: IngestOptions): Promise<IngestReport> {
  const { delivery, signal, events = {}, logger = silentLogger } = options;

  const cores = availableParallelism();
  const concurrency = Math.max(1, Math.min(options.concurrency ?? cores, delivery.tracks.length));
  // Tracks in parallel share the cores: each gets its slice of ffmpeg processes.
  const workersPerTrack = Math.max(1, Math.floor(cores / concurrency));
  const ffmpegBuild = await ffmpegVersion(options.ffmpegPath);
  const jobs = jobLedger(options.catalog, logger);
  await recoverAbandoned(jobs, logger);
  if (signal?.aborted) throw interrupted(delivery, []);
  // The cover is in storage before any track's facts can name it: a failure here publishes nothing.
  const coverKey = await storeDeliveryCover({ store: options.store, delivery, signal });
  if (coverKey) logger.info({ upc: delivery.release.upc, key: coverKey }, 'release cover stored');
  const scratch = await makeScratchDir('ingest');
  try {
    const queue = new PQueue({ concurrency });
    // Every task settles before the scratch folder goes: an interrupt stops the queue (tracks not
    // started yet are skipped), and tracks in progress end as `aborted` once their ffmpeg exits.
    const outcomes = await Promise.all(
      delivery.tracks.map((track) =>
        queue.add(async () => {
          if (signal?.aborted) return undefined;
          events.trackStarted?.(track);
          const outcome = await ingestTrack(
            { deliveryFile: delivery.file, release: delivery.release, track },
            {
              ...options,
              ffmpegBuild,
              scratch,
              workers: workersPerTrack,
              logger,
              jobs,
              onProgress: (percent, stage) => events.trackProgress?.(track.isrc, percent, stage),
            },
          );
          events.trackFinished?.(outcome);
          return outcome;
        }),
      ),
    );
    const finished = outcomes.filter((outcome): outcome is TrackOutcome => outcome !== undefined);
    if (signal?.aborted) throw interrupted(delivery, finished);
    return ingestReport(delivery, finished);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What a previous, killed run left: its `running` job rows and its scratch folders. */
async function recoverAbandoned(jobs: JobLedger, logger: Logger): Promise<void> {
  const marked = jobs.failAbandoned();
  if (marked.length > 0) logger.warn({ jobs: marked.map((job) => job.id) }, 'marked ingest jobs of processes that are gone as failed');
  const removed = await sweepAbandonedScratch();
  if (removed.length > 0) logger.warn({ folders: removed }, 'removed scratch folders of processes that are gone');
}

/** The ABORTED error an interrupted ingest ends with: what was done, what was cut short. */
function interrupted(delivery: Delivery, finished: TrackOutcome[]): CadenceError {
  const report = ingestReport(delivery, finished);
  const notStarted = delivery.tracks.length - finished.length;
  return new CadenceError(
    'ABORTED',
    `ingest of ${delivery.file} was interrupted: ${report.published} published, ${report.skipped} already published, ${report.failed} failed, ${report.aborted} aborted, ${notStarted} not started; run it again to finish`,
  );
}
