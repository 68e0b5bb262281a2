// `cadence serve`: the origin in one process, or several sharing the port (node:cluster) so it
// uses every core. Each worker opens its own catalog connection and keeps its own media cache.

import cluster from 'node:cluster';
import { pino } from 'pino';
import { openCatalog } from '../catalog/open-catalog.ts';
import { createOriginApp } from '../origin/app.ts';
import { listen } from '../origin/server.ts';
import { openObjectStore, s3OptionsFromEnv } from '../storage/open-store.ts';
import type { CadenceConfig } from './config.ts';
import { startFollowing } from './journal-follow.ts';
import { readOriginConfig } from './origin-config.ts';

export interface ServeOptions {
  port: number;
  host: string;
  workers: number;
  /** Keep the local catalog current from the publish journal (implied by CADENCE_QUEUE). */
  follow?: boolean;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function runWorker(config: CadenceConfig, options: ServeOptions): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const store = openObjectStore(config.storeUrl, { s3: s3OptionsFromEnv(process.env), logger: log });
  const opening = performance.now();
  // Searches read every candidate's fields: a long-running server keeps them in memory.
  const catalog = openCatalog(config.catalogPath, { searchInMemory: true });
  log.info({ ms: Math.round(performance.now() - opening), heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }, 'catalog open, search fields in memory');
  const origin = createOriginApp(readOriginConfig(process.env), { store, catalog, logger: log });
  const server = await listen(origin, {
    port: options.port,
    host: options.host,
    onWriteError: (error) => log.error({ err: error }, 'could not write a media answer'),
  });
  log.info({ url: server.url, store: config.storeUrl, catalog: config.catalogPath, pid: process.pid }, 'origin listening');
  if (cluster.isPrimary) process.stdout.write(`listening on ${server.url}\n`);
  else process.send?.({ listening: server.url });
  await untilSignal();
  await server.close();
  origin.stop();
  catalog.close();
  await store.close?.();
  // A cluster worker stays alive while its IPC channel is open: let go of it so the process ends.
  if (cluster.isWorker) cluster.worker?.disconnect();
}

export async function serveOrigin(config: CadenceConfig, options: ServeOptions): Promise<void> {
  if (!cluster.isPrimary) return runWorker(config, options);
  // The primary alone follows the journal: one writer to this node's catalog file.
  const following = options.follow || config.queueUrl ? await startFollowing(config, pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2))) : null;
  try {
    if (options.workers <= 1) await runWorker(config, options);
    else await runPrimary(config, options);
  } finally {
    await following?.stop();
  }
}

async function runPrimary(config: CadenceConfig, options: ServeOptions): Promise<void> {
  // Create the dev signing key once, before the workers race to create it.
  readOriginConfig(process.env);
  // Bring the catalog's schema up to date once, here: a migration can hold the write lock longer
  // than a worker waits for it (migration 7 takes ~20 s at a million tracks).
  openCatalog(config.catalogPath).close();
  let listening = 0;
  for (let i = 0; i < options.workers; i++) {
    const worker = cluster.fork();
    worker.on('message', (message: { listening?: string }) => {
      if (message.listening && ++listening === options.workers) process.stdout.write(`listening on ${message.listening} (${options.workers} workers)\n`);
    });
  }
  let stopping = false;
  cluster.on('exit', (worker, code) => {
    if (!stopping) process.stderr.write(`origin worker ${worker.process.pid} exited (${code}); stopping\n`);
    stopping = true;
    for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM');
  });
  await untilSignal();
  stopping = true;
  const exited = Object.values(cluster.workers ?? {}).map(
    (worker) => new Promise<void>((resolve) => (worker ? worker.once('exit', () => resolve()) : resolve())),
  );
  for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  await Promise.all(exited);
}
