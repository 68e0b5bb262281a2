// `cadence jobs`: the queue's ingest jobs with their states and last errors.

import { Queue } from 'bullmq';
import { QUEUE_NAME, QUEUE_PREFIX, checkReachable, redisOptions } from '../queue/connection.ts';
import { listJobs } from '../queue/list-jobs.ts';
import type { JobStateName, JobView, RedisTarget, TrackJobData } from '../queue/types.ts';

export async function readJobs(redis: RedisTarget, limit: number): Promise<JobView[]> {
  (await checkReachable(redis)).disconnect();
  const queue = new Queue<TrackJobData>(QUEUE_NAME, { connection: redisOptions(redis), prefix: QUEUE_PREFIX });
  queue.on('error', () => {});
  try {
    return await listJobs(queue, { limit });
  } finally {
    await queue.close();
  }
}

export function formatJobs(jobs: JobView[]): string {
  if (jobs.length === 0) return 'no jobs\n';
  const lines = jobs.map((job) => {
    const detail =
      job.state === 'failed'
        ? ` — ${job.lastError}`
        : job.outcome
          ? ` — ${job.outcome.state} version ${job.outcome.version}`
          : job.attempts > 0 && job.lastError
            ? ` — attempt ${job.attempts + 1}, last error ${job.lastError}`
            : '';
    return `${job.state.padEnd(9)} ${job.isrc} "${job.title}" (release ${job.upc})${detail}\n          job ${job.id}`;
  });
  return `${lines.join('\n')}\n${summarizeStates(jobs)}\n`;
}

// Jobs in flight first, then outcomes: the same order on every run, whichever job finished first.
const SUMMARY_ORDER: readonly JobStateName[] = ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children', 'completed', 'failed', 'unknown'];

/** `2 completed, 1 failed`: how many jobs are in each state, in a fixed order. */
export function summarizeStates(jobs: readonly JobView[]): string {
  const counts = new Map<JobStateName, number>();
  for (const job of jobs) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
  return SUMMARY_ORDER.filter((state) => counts.has(state))
    .map((state) => `${counts.get(state)} ${state}`)
    .join(', ');
}
