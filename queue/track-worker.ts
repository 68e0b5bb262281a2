// The worker loop: take a track job, fetch its master from object storage into a private folder,
// run the same per-track ingest the in-process path runs (package, upload, publish), and return
// its outcome as the job's result. A failed outcome fails the job with its `code: message`:
// retried with backoff when a retry can help, at once otherwise (retry-policy.ts).
//
// Stopping: `stop()` takes no new job and lets the running ones finish for `graceMs`; then it
// aborts them (ffmpeg is killed) and hands each back to the queue, so another worker starts it
// again without spending one of its attempts. A worker that dies without stopping leaves its job
// locked; the lock expires after LOCK_DURATION_MS and the stalled-job check of any live worker
// (every STALLED_INTERVAL_MS) puts it back in the queue.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Catalog } from '../catalog/types.ts';
import { isCadenceError } from '../errors/cadence-error.ts';
import { catchUp } from '../journal/catch-up.ts';
import { ffmpegVersion } from '../pipeline/ffmpeg-runner.ts';
import type { PublishLog } from '../pipeline/publish-version.ts';
import { ingestTrack, type TrackOutcome } from '../pipeline/track-ingest.ts';
import type { Logger, ToolPaths } from '../pipeline/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { QUEUE_NAME, QUEUE_PREFIX, redisOptions } from './connection.ts';
import { downloadMaster } from './master-transfer.ts';
import { isRetryable } from './retry-policy.ts';
import type { RedisTarget, TrackJobData, TrackJobResult } from './types.ts';
import type { JobProgress } from './watch-jobs.ts';
import type { WorkerMetrics } from './worker-metrics.ts';

/**
 * A job's lock lasts 10 s and is renewed every 5 s while the job runs (its work is in ffmpeg
 * child processes, so the event loop is free to renew). A killed worker's job is back in the
 * queue within LOCK_DURATION_MS + STALLED_INTERVAL_MS, 15 s.
 */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
/** A job whose worker died twice is failed rather than taking down a third. */
export const MAX_STALLED_COUNT = 2;
/** How long `stop()` lets running jobs finish before handing them back. */
export const DEFAULT_GRACE_MS = 20_000;

export interface TrackWorkerOptions extends ToolPaths {
  redis: RedisTarget;
  store: ObjectStore;
  catalog: Catalog;
  /** The publish journal every publish goes through (journal/), as in the in-process ingest. */
  journal?: PublishLog;
  /** Jobs at once in this process (default 1). */
  concurrency?: number;
  maxDurationSeconds?: number;
  logger: Logger;
  metrics?: WorkerMetrics;
  /** Parent of this worker's private folders (default: the OS temp folder). */
  scratchRoot?: string;
  /** A name stored on each job it takes (e.g. host:pid). */
  name?: string;
}

export interface TrackWorker {
  readonly worker: Worker<TrackJobData, TrackJobResult>;
  /** Finish running jobs for `graceMs`, hand back the rest, close. Safe to call twice (the second hands back at once). */
  stop(graceMs?: number): Promise<void>;
}

export async function startTrackWorker(options: TrackWorkerOptions): Promise<TrackWorker> {
  const { store, catalog, logger, metrics, concurrency = 1 } = options;
  const ffmpegBuild = await ffmpegVersion(options.ffmpegPath);
  const workers = Math.max(1, Math.floor(availableParallelism() / concurrency));
  const scratch = await mkdtemp(join(options.scratchRoot ?? tmpdir(), 'cadence-worker-'));
  const running = new Set<AbortController>();
  let stopping = false;

  const processJob = async (job: Job<TrackJobData, TrackJobResult>, token?: string): Promise<TrackJobResult> => {
    const abort = new AbortController();
    running.add(abort);
    const started = performance.now();
    const folder = await mkdtemp(join(scratch, 'job-'));
    let outcome: TrackOutcome;
    try {
      outcome = await runJob(job, folder, abort.signal);
    } finally {
      running.delete(abort);
      await rm(folder, { recursive: true, force: true });
    }
    const seconds = (performance.now() - started) / 1000;
    if (outcome.state === 'published' || outcome.state === 'skipped') {
      metrics?.jobFinished({ outcome: outcome.state, seconds });
      return outcome;
    }
    if (abort.signal.aborted && stopping) {
      // Handed back: waiting again, this attempt not counted, another worker takes it.
      await job.moveToWait(token);
      metrics?.jobFinished({ outcome: 'handed-back', seconds });
      logger.warn({ job: job.id, isrc: outcome.isrc }, 'job handed back to the queue');
      throw new WaitingError();
    }
    const error = outcome.error ?? 'INTERNAL: failed without a reason';
    metrics?.jobFinished({ outcome: 'failed', seconds, error });
    throw isRetryable(error) ? new Error(error) : new UnrecoverableError(error);
  };

  const runJob = async (job: Job<TrackJobData, TrackJobResult>, folder: string, signal: AbortSignal): Promise<TrackOutcome> => {
    const { input, masterKey, masterSha256 } = job.data;
    const { track } = input;
    const masterPath = join(folder, `master${extname(masterKey)}`);
    let lastReported = -1;
    const onProgress = (percent: number, stage: string): void => {
      // A few updates per job, not one per ffmpeg line; a failed write (Redis restarting) is harmless.
      const step = Math.floor(percent / 5);
      if (step === lastReported) return;
      lastReported = step;
      const progress: JobProgress = { percent: Math.round(percent), stage };
      job.updateProgress(progress).catch(() => {});
    };
    try {
      onProgress(0, 'download');
      await downloadMaster(store, { key: masterKey, sha256: masterSha256, path: masterPath, isrc: track.isrc, signal });
    } catch (error) {
      const message = isCadenceError(error) ? `${error.code}: ${error.message}` : `INTERNAL: ${(error as Error).message}`;
      logger.error({ job: job.id, isrc: track.isrc, err: error }, 'master download failed');
      return { isrc: track.isrc, title: track.title, state: 'failed', version: null, error: message, seconds: 0 };
    }
    await mkdir(join(folder, 'work'));
    // Other workers publish too: what this track is now (new, a new master, or new facts on the
    // same version) is decided from a catalog that has every journal entry so far.
    if (options.journal) await catchUp({ store, catalog });
    return ingestTrack(
      { ...input, track: { ...track, masterPath, master: { ...track.master, path: masterPath } }, masterSha256 },
      {
        ffmpegPath: options.ffmpegPath,
        ffprobePath: options.ffprobePath,
        store,
        catalog,
        journal: options.journal,
        ffmpegBuild,
        scratch: join(folder, 'work'),
        workers,
        maxDurationSeconds: options.maxDurationSeconds,
        signal,
        logger,
        onProgress,
      },
    );
  };

  const worker = new Worker<TrackJobData, TrackJobResult>(QUEUE_NAME, processJob, {
    connection: redisOptions(options.redis),
    prefix: QUEUE_PREFIX,
    concurrency,
    name: options.name,
    lockDuration: LOCK_DURATION_MS,
    stalledInterval: STALLED_INTERVAL_MS,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  // Without a listener an 'error' event would end the process; Redis going away is expected.
  worker.on('error', (error) => logger.warn({ err: error }, 'queue connection problem (reconnecting)'));
  worker.on('stalled', (jobId) => logger.warn({ job: jobId }, 'job stalled (its worker died); back in the queue'));
  void worker.run().catch((error: unknown) => logger.error({ err: error }, 'worker loop ended'));
  await worker.waitUntilReady();

  let stopped: Promise<void> | null = null;
  const handBack = (): void => {
    stopping = true;
    for (const abort of running) abort.abort();
  };
  return {
    worker,
    stop(graceMs = DEFAULT_GRACE_MS) {
      if (stopped) {
        handBack();
        return stopped;
      }
      stopping = true;
      const timer = setTimeout(handBack, graceMs);
      stopped = worker
        .close()
        .finally(() => clearTimeout(timer))
        .then(() => rm(scratch, { recursive: true, force: true }));
      return stopped;
    },
  };
}
