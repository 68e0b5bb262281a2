// `cadence ingest` when CADENCE_QUEUE is set: the delivery was validated whole (as without a
// queue); put each master in object storage, enqueue one job per track, then follow the jobs'
// events until every track is published or failed, and report like the in-process ingest does.
// `--detach` returns right after enqueueing, with the job ids.

import { Queue, QueueEvents } from 'bullmq';
import { pino } from 'pino';
import type { Delivery } from '../pipeline/delivery.ts';
import { ffmpegVersion } from '../pipeline/ffmpeg-runner.ts';
import { type IngestEvents, type IngestReport, ingestReport } from '../pipeline/ingest.ts';
import { QUEUE_NAME, QUEUE_PREFIX, checkReachable, redisOptions } from '../queue/connection.ts';
import { type EnqueuedTrack, enqueueDelivery } from '../queue/enqueue-delivery.ts';
import type { RedisTarget, TrackJobData } from '../queue/types.ts';
import { watchJobs } from '../queue/watch-jobs.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { CadenceConfig } from './config.ts';
import { formatWarnings } from './ingest-view.ts';

export interface QueuedIngestOptions {
  config: CadenceConfig;
  redis: RedisTarget;
  delivery: Delivery;
  detach: boolean;
  /** With `detach`: print the job list as JSON. */
  json: boolean;
  events: IngestEvents;
  signal: AbortSignal;
}

/** The report once every job is finished; null when detached (the job ids were printed). */
export async function ingestThroughQueue(options: QueuedIngestOptions): Promise<IngestReport | null> {
  const { config, redis, delivery, detach, events, signal } = options;
  (await checkReachable(redis)).disconnect();
  const logger = pino({ level: config.logLevel ?? 'warn' }, pino.destination(2));
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger });
  const queue = new Queue<TrackJobData>(QUEUE_NAME, { connection: redisOptions(redis), prefix: QUEUE_PREFIX });
  // Listening before the first add, so no event of these jobs is missed.
  const queueEvents = detach ? null : new QueueEvents(QUEUE_NAME, { connection: redisOptions(redis), prefix: QUEUE_PREFIX });
  const onError = (error: Error): void => logger.warn({ err: error }, 'queue connection problem (reconnecting)');
  queue.on('error', onError);
  queueEvents?.on('error', onError);
  try {
    await queueEvents?.waitUntilReady();
    const ffmpegBuild = await ffmpegVersion(config.tools.ffmpegPath);
    const jobs = await enqueueDelivery({ queue, store, delivery, ffmpegBuild, signal });
    if (!queueEvents) {
      process.stdout.write(options.json ? `${JSON.stringify(detachedJson(delivery, jobs), null, 2)}\n` : formatDetached(jobs) + formatWarnings(delivery.warnings));
      return null;
    }
    const outcomes = await watchJobs({ queue, queueEvents, jobs, events, signal });
    return ingestReport(delivery, outcomes);
  } finally {
    await Promise.allSettled([queueEvents?.close(), queue.close(), store.close?.()]);
  }
}

function formatDetached(jobs: EnqueuedTrack[]): string {
  const words = { added: 'queued', 'already-queued': 'already queued', requeued: 'queued again' } as const;
  return `${jobs.map((entry) => `${entry.track.isrc} ${words[entry.result]}: job ${entry.jobId}`).join('\n')}\n${jobs.length} jobs; follow them with \`cadence jobs\`\n`;
}

function detachedJson(delivery: Delivery, jobs: EnqueuedTrack[]): object {
  return {
    ok: true,
    detached: true,
    delivery: delivery.file,
    upc: delivery.release.upc,
    jobs: jobs.map(({ track, jobId, masterKey, uploaded, result }) => ({ isrc: track.isrc, title: track.title, jobId, masterKey, uploaded, result })),
    warnings: delivery.warnings,
  };
}
