// Follows a delivery's jobs until each is completed or failed for good. Queue events drive the
// progress a user sees; a slow poll of each unfinished job's state is the safety net for events
// missed while Redis restarted (the event stream is read from where it left off, but a poll
// costs little and makes "no job lost" checkable from here).

import { Job, type Queue, type QueueEvents } from 'bullmq';
import { CadenceError } from '../errors/cadence-error.ts';
import type { IngestEvents } from '../pipeline/ingest.ts';
import type { TrackOutcome } from '../pipeline/track-ingest.ts';
import type { EnqueuedTrack } from './enqueue-delivery.ts';
import type { TrackJobData, TrackJobResult } from './types.ts';

export interface WatchOptions {
  queue: Queue<TrackJobData>;
  queueEvents: QueueEvents;
  jobs: EnqueuedTrack[];
  events?: IngestEvents;
  pollMs?: number;
  signal?: AbortSignal;
}

/** The progress a worker reports on a job (`job.updateProgress`). */
export interface JobProgress {
  percent: number;
  stage: string;
}

/** Outcomes in the order of `jobs`. */
export function watchJobs(options: WatchOptions): Promise<TrackOutcome[]> {
  const { queue, queueEvents, jobs, events = {}, pollMs = 2000, signal } = options;
  const byId = new Map(jobs.map((entry) => [entry.jobId, entry]));
  const outcomes = new Map<string, TrackOutcome>();
  const started = new Set<string>();

  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      clearTimeout(timer);
      queueEvents.off('active', onActive);
      queueEvents.off('progress', onProgress);
      queueEvents.off('completed', onSettled);
      queueEvents.off('failed', onSettled);
      signal?.removeEventListener('abort', onAbort);
    };
    const finishIfDone = (): void => {
      if (outcomes.size < jobs.length) return;
      cleanup();
      resolve(jobs.map((entry) => outcomes.get(entry.jobId)!));
    };
    const start = (entry: EnqueuedTrack): void => {
      if (started.has(entry.jobId)) return;
      started.add(entry.jobId);
      events.trackStarted?.(entry.track);
    };
    const settle = (entry: EnqueuedTrack, outcome: TrackOutcome): void => {
      if (outcomes.has(entry.jobId)) return;
      start(entry);
      outcomes.set(entry.jobId, outcome);
      events.trackFinished?.(outcome);
      finishIfDone();
    };
    /** Reads the job's state; settles it when finished for good. */
    const check = async (entry: EnqueuedTrack): Promise<void> => {
      if (outcomes.has(entry.jobId)) return;
      // State first, then the job: read the other way round, a job retried and finished between
      // the two reads would pair a stale hash (no result yet) with its new state.
      const state = await queue.getJobState(entry.jobId);
      if (state === 'active') start(entry);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
      const job = await Job.fromId<TrackJobData, TrackJobResult>(queue, entry.jobId);
      if (!job) {
        settle(entry, failedOutcome(entry, `QUEUE: job ${entry.jobId} is no longer in the queue`, 0));
        return;
      }
      if (state === 'completed' && job.returnvalue) settle(entry, job.returnvalue);
      else if (state === 'failed' && job.failedReason) settle(entry, failedOutcome(entry, job.failedReason, seconds(job)));
    };
    const checkById = (jobId: string): void => {
      const entry = byId.get(jobId);
      // Redis may be restarting: the poll will look again.
      if (entry) check(entry).catch(() => {});
    };
    const onActive = ({ jobId }: { jobId: string }): void => {
      const entry = byId.get(jobId);
      if (entry && !outcomes.has(jobId)) start(entry);
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      const entry = byId.get(jobId);
      const progress = data as Partial<JobProgress> | null;
      if (!entry || outcomes.has(jobId) || typeof progress?.percent !== 'number') return;
      start(entry);
      events.trackProgress?.(entry.track.isrc, progress.percent, progress.stage ?? '');
    };
    const onSettled = ({ jobId }: { jobId: string }): void => checkById(jobId);
    const onAbort = (): void => {
      cleanup();
      reject(new CadenceError('ABORTED', 'stopped watching; the jobs keep running on the workers (see `cadence jobs`)'));
    };
    const poll = async (): Promise<void> => {
      await Promise.all(jobs.map((entry) => check(entry).catch(() => {})));
      if (outcomes.size < jobs.length) timer = setTimeout(() => void poll(), pollMs);
    };

    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    queueEvents.on('active', onActive);
    queueEvents.on('progress', onProgress);
    queueEvents.on('completed', onSettled);
    queueEvents.on('failed', onSettled);
    void poll();
  });
}

function seconds(job: Job): number {
  return job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
}

function failedOutcome(entry: EnqueuedTrack, error: string, elapsed: number): TrackOutcome {
  return { isrc: entry.track.isrc, title: entry.track.title, state: 'failed', version: null, error, seconds: elapsed };
}
