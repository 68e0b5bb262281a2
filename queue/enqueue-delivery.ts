// `cadence ingest` with a queue: the delivery was validated whole; copy each master into object
// storage, then add one job per track. A job id names what the job will produce (job-id.ts), so
// adding the same delivery again joins the jobs already there: a waiting or running job is left
// alone, a finished one is run again (the worker skips a track already published, and a failed
// one gets a fresh set of attempts).

import PQueue from 'p-queue';
import type { Queue } from 'bullmq';
import { storeDeliveryCover } from '../pipeline/cover-store.ts';
import type { Delivery, DeliveryTrack } from '../pipeline/delivery.ts';
import { packagingSettings, versionId } from '../pipeline/version-id.ts';
import type { ObjectStore } from '../storage/types.ts';
import { trackJobId } from './job-id.ts';
import { uploadMaster } from './master-transfer.ts';
import { BACKOFF_MS, JOB_ATTEMPTS } from './retry-policy.ts';
import type { TrackJobData } from './types.ts';

export type EnqueueResult = 'added' | 'already-queued' | 'requeued';

export interface EnqueuedTrack {
  track: DeliveryTrack;
  jobId: string;
  masterKey: string;
  /** False when storage already held the master. */
  uploaded: boolean;
  result: EnqueueResult;
}

export interface EnqueueOptions {
  queue: Queue<TrackJobData>;
  store: ObjectStore;
  delivery: Delivery;
  /** First line of `ffmpeg -version` here: part of the version id in each job id. */
  ffmpegBuild: string;
  /** Masters hashed and uploaded at once. */
  uploadConcurrency?: number;
  signal?: AbortSignal;
  onEnqueued?(entry: EnqueuedTrack): void;
}

export async function enqueueDelivery(options: EnqueueOptions): Promise<EnqueuedTrack[]> {
  const { queue, store, delivery, ffmpegBuild, signal, uploadConcurrency = 4 } = options;
  // The cover is in storage before any job can publish facts that name it.
  await storeDeliveryCover({ store, delivery, signal });
  const uploads = new PQueue({ concurrency: uploadConcurrency });
  // Every master is in storage before the first job exists: a worker never waits on an upload.
  const masters = await Promise.all(delivery.tracks.map((track) => uploads.add(() => uploadMaster(store, track, signal), { signal })));
  const entries: EnqueuedTrack[] = [];
  for (const [index, track] of delivery.tracks.entries()) {
    const master = masters[index]!;
    const input = { deliveryFile: delivery.file, release: delivery.release, track, masterSha256: master.sha256 };
    const jobId = trackJobId(input, versionId(master.sha256, packagingSettings(track.master, ffmpegBuild)));
    const data: TrackJobData = { input, masterKey: master.key, masterSha256: master.sha256 };
    const result = await addOnce(queue, jobId, data);
    const entry = { track, jobId, masterKey: master.key, uploaded: master.uploaded, result };
    entries.push(entry);
    options.onEnqueued?.(entry);
  }
  return entries;
}

async function addOnce(queue: Queue<TrackJobData>, jobId: string, data: TrackJobData): Promise<EnqueueResult> {
  const existing = await queue.getJob(jobId);
  if (!existing) {
    await queue.add('track', data, {
      jobId,
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: BACKOFF_MS },
    });
    // Another enqueuer may have added it first: then this add was a no-op, which is the point.
    return 'added';
  }
  const state = await existing.getState();
  if (state !== 'completed' && state !== 'failed') return 'already-queued';
  // Run again with what this delivery says (its file, its master's path), not the earlier one's.
  await existing.updateData(data);
  await existing.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
  return 'requeued';
}
