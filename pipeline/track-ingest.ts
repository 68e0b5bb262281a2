// One track of a delivery, end to end: hash, ownership check, package + upload (or reuse what is
// stored), publish. Its input is plain data (a release and a probed track), so a queue job can
// carry it to a worker on another machine.

import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { releaseRights } from '../catalog/default-rights.ts';
import { withKnownAliases } from '../catalog/release-id.ts';
import type { Catalog, ReleaseRecord, TrackRecord, TrackView } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { DeliveryTrack } from './delivery.ts';
import { type JobLedger, jobLedger } from './job-ledger.ts';
import { packageMaster } from './package-master.ts';
import { addMetaRevision, readStoredMetaFor, readStoredVersion, sameMeta, type StoredVersion, uploadVersion, type VersionMeta, versionRecord } from './publish.ts';
import { type PublishLog, publishVersion } from './publish-version.ts';
import type { Logger, ToolPaths } from './types.ts';
import { fileSha256, packagingSettings, versionId } from './version-id.ts';

/** `aborted`: the ingest was interrupted (SIGINT/SIGTERM) while this track was in progress. */
export type TrackState = 'published' | 'skipped' | 'failed' | 'aborted';

/**
 * What a publish changed for the track: a new recording, a new master replacing the audio of every
 * release it is on, the recording added to one more release, or corrected facts.
 */
export type TrackChange = 'new-track' | 'new-master' | 'added-to-release' | 'metadata';

export interface TrackOutcome {
  isrc: string;
  title: string;
  state: TrackState;
  version: string | null;
  /** Set when published. */
  change?: TrackChange;
  /** The version a new master replaced. */
  replaced?: string;
  /** `code: message` of the failure. */
  error: string | null;
  seconds: number;
}

/** Plain data: serialisable into a queue job. */
export interface TrackIngestInput {
  /** The delivery it came from, for job records and logs. */
  deliveryFile: string;
  release: ReleaseRecord;
  /** `masterPath` must be readable where this runs. */
  track: DeliveryTrack;
  /** Hex SHA-256 of the master when already known (content-addressed upload); hashed otherwise. */
  masterSha256?: string;
}

export interface TrackIngestContext extends ToolPaths {
  store: ObjectStore;
  catalog: Catalog;
  /** The publish journal every publish goes through. */
  journal?: PublishLog;
  ffmpegBuild: string;
  /** A private folder this track may package into. */
  scratch: string;
  /** ffmpeg processes this track may run at once. */
  workers: number;
  maxDurationSeconds?: number;
  signal?: AbortSignal;
  logger: Logger;
  /** Where the job is recorded (owned by this process); one over `catalog` when omitted. */
  jobs?: JobLedger;
  onProgress?(percent: number, stage: string): void;
}

export function trackRecord(track: DeliveryTrack, release: ReleaseRecord): TrackRecord {
  const { isrc, title, artists, trackNumber, discNumber, explicit, recording } = track;
  // RecordingFacts are TrackRecord's genre, credits and pLine by name.
  return { isrc, upc: release.upc, title, artists, trackNumber, discNumber, explicit, ...recording };
}

export async function ingestTrack(input: TrackIngestInput, context: TrackIngestContext): Promise<TrackOutcome> {
  const { catalog, store, signal, logger } = context;
  const { track } = input;
  const started = performance.now();
  // Recording the job never fails the track (job-ledger.ts): a busy catalog is logged instead.
  const job = (context.jobs ?? jobLedger(catalog, logger)).start(track.isrc, input.deliveryFile);
  const finish = (outcome: Omit<TrackOutcome, 'isrc' | 'title' | 'seconds'>): TrackOutcome => {
    job.finish(outcome.state, outcome.version, outcome.error);
    return { isrc: track.isrc, title: track.title, ...outcome, seconds: (performance.now() - started) / 1000 };
  };
  let version: string | null = null;
  try {
    const progress = (percent: number, stage: string): void => context.onProgress?.(percent, stage);
    progress(0, 'hash');
    // The facts keep every id the release is known by, so a delivery that names it by one id only (a
    // JSON delivery) stores no facts that look changed and is skipped when nothing else changed.
    const release = withKnownAliases(input.release, catalog.getRelease(input.release.upc)?.aliases);
    const masterSha256 = input.masterSha256 ?? (await fileSha256(track.masterPath, signal));
    version = versionId(masterSha256, packagingSettings(track.master, context.ffmpegBuild));
    const meta: VersionMeta = { release, track: trackRecord(track, release), masterSha256, rights: track.rights ?? releaseRights(release) };
    const before = catalog.getTrack(track.isrc);
    const expectedCurrent = before?.current?.version ?? null;
    // Before any encoding: another label's recording is refused, not taken over.
    const conflict = catalog.ownershipConflict({ release, track, version: { version, masterSha256 }, expectedCurrent });
    if (conflict) throw new CadenceError('CONFLICT', conflict);
    if (await alreadyPublished(context, before, version, meta)) return finish({ state: 'skipped', version, error: null });

    // A complete version may already be stored: a crash after upload, another ingest, the same
    // master on another release, or corrected facts (then only a metadata revision is added).
    let stored = await readStoredVersion(store, track.isrc, version);
    if (!stored) stored = await packageAndUpload(input, version, meta, context, progress);
    else {
      const storedForRelease = await readStoredMetaFor(store, track.isrc, version, release.upc, stored.meta);
      // A known track coming back onto a release (a DDEX update had taken it off) stores its facts
      // again, so reindex sees them after the removal record (pipeline/release-removals.ts).
      const backOnRelease = before !== null && !before.releases.some((member) => member.upc === release.upc);
      if (!storedForRelease || !sameMeta(storedForRelease, meta) || backOnRelease) {
        await addMetaRevision(store, track.isrc, version, meta, signal);
        logger.info({ isrc: track.isrc, version, upc: release.upc }, 'track facts recorded for release');
      }
    }
    await publishVersion({ catalog, journal: context.journal }, { release, track: meta.track, rights: meta.rights, version: versionRecord(track.isrc, version, stored), expectedCurrent }, signal);
    progress(100, 'published');
    const change = changeOf(before, version, release.upc);
    logger.info({ isrc: track.isrc, version, change }, 'track published');
    return finish({ state: 'published', version, error: null, change, ...(change === 'new-master' ? { replaced: expectedCurrent! } : {}) });
  } catch (error) {
    const message = isCadenceError(error) ? `${error.code}: ${error.message}` : `INTERNAL: ${(error as Error).stack ?? error}`;
    if (signal?.aborted) {
      logger.info({ isrc: track.isrc, err: error }, 'track aborted');
      return finish({ state: 'aborted', version, error: message });
    }
    logger.error({ isrc: track.isrc, err: error }, 'track failed');
    return finish({ state: 'failed', version, error: message });
  }
}

function changeOf(before: TrackView | null, version: string, upc: string): TrackChange {
  if (!before?.current) return 'new-track';
  if (before.current.version !== version) return 'new-master';
  if (!before.releases.some((release) => release.upc === upc)) return 'added-to-release';
  return 'metadata';
}

/**
 * The catalog has this version current with these facts on this release, and storage holds them
 * too. The catalog points at complete versions only, so reading the stored facts is enough.
 */
async function alreadyPublished({ catalog, store }: TrackIngestContext, before: TrackView | null, version: string, meta: VersionMeta): Promise<boolean> {
  const { release, track } = meta;
  const onRelease = before?.releases.find((member) => member.upc === release.upc);
  const publishedRelease = onRelease ? catalog.getRelease(release.upc) : null;
  if (before?.current?.version !== version || !onRelease || !publishedRelease) return false;
  const published: VersionMeta = {
    release: publishedRelease,
    track: { ...before, upc: release.upc, trackNumber: onRelease.trackNumber, discNumber: onRelease.discNumber },
    rights: catalog.availability(track.isrc)?.rights,
  };
  if (!sameMeta(published, meta)) return false;
  const stored = await readStoredMetaFor(store, track.isrc, version, release.upc);
  return stored !== null && sameMeta(stored, meta);
}

async function packageAndUpload(
  { track }: TrackIngestInput,
  version: string,
  meta: VersionMeta,
  context: TrackIngestContext,
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
      workers: context.workers,
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
