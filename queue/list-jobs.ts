// What `cadence jobs` shows: every ingest job in the queue, newest first, with its state and, for a
// failed one, the `code: message` it failed with.

import type { Job, Queue } from 'bullmq';
import type { JobStateName, JobView, TrackJobData, TrackJobResult } from './types.ts';

const STATES = ['active', 'waiting', 'prioritized', 'delayed', 'failed', 'completed'] as const;

export async function listJobs(queue: Queue<TrackJobData, TrackJobResult>, options: { limit?: number } = {}): Promise<JobView[]> {
  const { limit = 1000 } = options;
  const views: JobView[] = [];
  for (const state of STATES) {
    const jobs = (await queue.getJobs([state], 0, limit - 1)) as Job<TrackJobData, TrackJobResult>[];
    for (const job of jobs) if (job) views.push(jobView(job, state));
  }
  return views.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id)).slice(0, limit);
}

function jobView(job: Job<TrackJobData, TrackJobResult>, state: JobStateName): JobView {
  const { input } = job.data;
  const lastError = job.failedReason || job.stacktrace?.at(-1)?.split('\n')[0] || null;
  return {
    id: job.id!,
    isrc: input.track.isrc,
    title: input.track.title,
    upc: input.release.upc,
    delivery: input.deliveryFile,
    state,
    attempts: job.attemptsMade,
    lastError: lastError || null,
    outcome: state === 'completed' ? job.returnvalue : null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
