// `cadence worker`: the edge of queue/track-worker.ts. Checks Redis (reachable; noeviction and
// appendonly, warned loudly otherwise), leashes ffmpeg to this process (ffmpeg-leash.ts), opens
// storage and the local catalog, serves metrics when asked, and stops cleanly on SIGTERM/SIGINT:
// running jobs finish within --grace seconds or go back to the queue; a second signal hands them
// back at once. Exit code 0 after a clean stop.

import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { openCatalog } from '../catalog/open-catalog.ts';
import { restoreSnapshotIfNew } from '../journal/snapshot.ts';
import { QUEUE_NAME, QUEUE_PREFIX, checkReachable, redisOptions } from '../queue/connection.ts';
import { ffmpegLeash } from '../queue/ffmpeg-leash.ts';
import { redisSettingsWarnings } from '../queue/redis-settings.ts';
import { startTrackWorker } from '../queue/track-worker.ts';
import type { RedisTarget } from '../queue/types.ts';
import { type WorkerMetrics, serveMetrics, workerMetrics } from '../queue/worker-metrics.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { CadenceConfig } from './config.ts';
import { withPublishingJournal } from './journal-setup.ts';

export interface WorkerCommandOptions {
  config: CadenceConfig;
  redis: RedisTarget;
  concurrency: number;
  metricsPort?: number;
  metricsHost: string;
  grace: number;
  maxDuration: number;
}

export async function runWorker(options: WorkerCommandOptions): Promise<void> {
  const { config, redis } = options;
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const client = await checkReachable(redis);
  try {
    for (const warning of await redisSettingsWarnings(client)) say(`WARNING: ${warning}`);
  } finally {
    client.disconnect();
  }
  const leash = await ffmpegLeash();
  if (!leash.available) say('WARNING: util-linux setpriv with --pdeathsig is missing: ffmpeg processes may outlive a killed worker');
  const tools = { ffmpegPath: await leash.wrap(config.tools.ffmpegPath), ffprobePath: await leash.wrap(config.tools.ffprobePath) };

  const logger = pino({ level: config.logLevel ?? 'warn' }, pino.destination(2));
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger });
  // A new worker starts from the newest snapshot, not from journal entry 1 (it catches up before each job).
  const restored = await restoreSnapshotIfNew({ store, catalogPath: config.catalogPath });
  const catalog = openCatalog(config.catalogPath);
  let countsQueue: Queue | null = null;
  let server: Server | null = null;
  try {
    let metrics: WorkerMetrics | undefined;
    if (options.metricsPort !== undefined) {
      countsQueue = new Queue(QUEUE_NAME, { connection: redisOptions(redis), prefix: QUEUE_PREFIX });
      countsQueue.on('error', () => {});
      metrics = workerMetrics({ queue: countsQueue });
      server = await serveMetrics(metrics.registry, { port: options.metricsPort, host: options.metricsHost });
    }
    // Publishes go through the journal exactly as the in-process ingest's do.
    await withPublishingJournal(config, { store, catalog, logger }, async (journal) => {
      const worker = await startTrackWorker({
        ...tools,
        redis,
        store,
        catalog,
        journal,
        concurrency: options.concurrency,
        maxDurationSeconds: options.maxDuration,
        logger,
        metrics,
        name: `${hostname()}:${process.pid}`,
      });
      const metricsNote = options.metricsPort !== undefined ? `, metrics on http://${options.metricsHost}:${options.metricsPort}/metrics` : '';
      const snapshotNote = restored ? `, catalog from the snapshot at journal entry ${restored.position}` : '';
      say(`worker ${process.pid} ready: ${redis.display}, concurrency ${options.concurrency}${snapshotNote}${metricsNote}`);
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals): void => {
          signals += 1;
          say(signals === 1 ? `${signal}: finishing running jobs (up to ${options.grace} s), then stopping` : `${signal}: handing running jobs back to the queue`);
          worker.stop(options.grace * 1000).then(resolve, resolve);
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
    });
    say(`worker ${process.pid} stopped`);
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await countsQueue?.close();
    catalog.close();
    await store.close?.();
  }
}
