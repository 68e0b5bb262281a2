// `cadence ingest`: validate the whole delivery, then run one job per track (p-queue) that
// packages, uploads and publishes it. A failing track does not stop the others. Re-running is a
// no-op for published tracks and finishes whatever a crash left half done; the same master with
// corrected titles, artists or release facts adds a metadata revision and republishes, without
// encoding again.

import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { releaseRights } from '../catalog/default-rights.ts';
import type { Catalog, TrackRecord } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { Delivery, DeliveryTrack } from './delivery.ts';
import { ffmpegVersion } from './ffmpeg-runner.ts';
import { packageMaster } from './package-master.ts';
import { addMetaRevision, type StoredVersion, type VersionMeta, readStoredMeta, readStoredVersion, sameMeta, uploadVersion, versionRecord } from './publish.ts';
import { type Logger, type ToolPaths, silentLogger } from './types.ts';
import { fileSha256, packagingSettings, versionId } from './version-id.ts';

export type TrackState = 'published' | 'skipped' | 'failed';

export interface TrackOutcome {
  isrc: string;
  title: string;
  state: TrackState;
  version: string | null;
  /** `code: message` of the failure. */
  error: string | null;
  seconds: number;
}

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
          const outcome = await ingestTrack(track, { ...options, ffmpegBuild, scratch, workersPerTrack, logger });
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

interface TrackContext extends IngestOptions {
  ffmpegBuild: string;
  scratch: string;
  workersPerTrack: number;
  logger: Logger;
}

function trackRecord(track: DeliveryTrack, delivery: Delivery): TrackRecord {
  const { isrc, title, artists, trackNumber, discNumber, explicit } = track;
  return { isrc, upc: delivery.release.upc, title, artists, trackNumber, discNumber, explicit };
}

async function ingestTrack(track: DeliveryTrack, context: TrackContext): Promise<TrackOutcome> {
  const { catalog, store, delivery, signal, logger, events = {} } = context;
  const started = performance.now();
  const jobId = catalog.startJob({ isrc: track.isrc, delivery: delivery.file });
  const finish = (state: TrackState, version: string | null, error: string | null): TrackOutcome => {
    catalog.finishJob(jobId, { state, version, error });
    return { isrc: track.isrc, title: track.title, state, version, error, seconds: (performance.now() - started) / 1000 };
  };
  let version: string | null = null;
  try {
    const progress = (percent: number, stage: string): void => events.trackProgress?.(track.isrc, percent, stage);
    progress(0, 'hash');
    version = versionId(await fileSha256(track.masterPath, signal), packagingSettings(track.master, context.ffmpegBuild));
    const meta: VersionMeta = { release: delivery.release, track: trackRecord(track, delivery), rights: track.rights ?? releaseRights(delivery.release) };
    if (await alreadyPublished(context, version, meta)) return finish('skipped', version, null);

    // A complete version may already be stored: a crash after upload, another ingest, or the same
    // master delivered again with corrected facts (then only a metadata revision is added).
    let stored = await readStoredVersion(store, track.isrc, version);
    if (!stored) stored = await packageAndUpload(track, version, meta, context, progress);
    else if (!sameMeta(stored.meta, meta)) {
      await addMetaRevision(store, track.isrc, version, meta, signal);
      logger.info({ isrc: track.isrc, version }, 'track facts corrected');
    }
    catalog.publish({ ...meta, version: versionRecord(track.isrc, version, stored) });
    progress(100, 'published');
    logger.info({ isrc: track.isrc, version }, 'track published');
    return finish('published', version, null);
  } catch (error) {
    const message = isCadenceError(error) ? `${error.code}: ${error.message}` : `INTERNAL: ${(error as Error).stack ?? error}`;
    logger.error({ isrc: track.isrc, err: error }, 'track failed');
    return finish('failed', version, message);
  }
}

/**
 * The catalog points at this version with these facts, and storage holds them too: tracks of one
 * release share release facts, so another track's publish may already have updated the catalog.
 * The catalog points at complete versions only, so reading the stored facts is enough.
 */
async function alreadyPublished({ catalog, store }: TrackContext, version: string, meta: VersionMeta): Promise<boolean> {
  const published = catalog.getTrack(meta.track.isrc);
  const rights = published?.current ? catalog.availability(meta.track.isrc)?.rights : undefined;
  if (published?.current?.version !== version || !sameMeta({ release: published.release, track: published, rights }, meta)) return false;
  const stored = await readStoredMeta(store, meta.track.isrc, version);
  return stored !== null && sameMeta(stored, meta);
}

async function packageAndUpload(
  track: DeliveryTrack,
  version: string,
  meta: VersionMeta,
  context: TrackContext,
  progress: (percent: number, stage: string) => void,
): Promise<StoredVersion> {
  const { store, signal, logger } = context;
  const folder = join(context.scratch, `${track.isrc}-${version}`);
  try {
    await packageMaster({
      ffmpegPath: context.ffmpegPath,
      ffprobePath: context.ffprobePath,
      master: track.masterPath,
      outDir: folder,
      force: true,
      maxDurationSeconds: context.maxDurationSeconds,
      workers: context.workersPerTrack,
      signal,
      logger,
      onProgress: (percent, stage) => progress(percent * 0.85, stage),
    });
    await uploadVersion({
      store,
      isrc: track.isrc,
      version,
      folder,
      meta,
      signal,
      onProgress: (done, total) => progress(85 + (15 * done) / total, 'upload'),
    });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const stored = await readStoredVersion(store, track.isrc, version);
  if (!stored) throw new CadenceError('STORAGE', `${store.url}: version ${version} of ${track.isrc} is not readable after upload`);
  return stored;
}
