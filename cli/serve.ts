// `cadence serve`: the origin in one process, or several sharing the port (node:cluster) so it
// uses every core. Each worker opens its own catalog connection and keeps its own media cache.

import cluster from 'node:cluster';
import { pino } from 'pino';
import { openCatalog } from '../catalog/open-catalog.ts';
import { CadenceError, type ErrorCode, isCadenceError } from '../errors/cadence-error.ts';
import { createOriginApp } from '../origin/app.ts';
import { listen, type RunningServer } from '../origin/server.ts';
import { loadOrCreateLocalIdentity } from '../listeners/local-identity.ts';
import { type ListenersConfig, type OpenListenerServices, openListenerServices } from '../listeners/open-listeners.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { CadenceConfig } from './config.ts';
import { startFollowing } from './journal-follow.ts';
import { openSharedPlaySink, type SharedPlaySink, startSharedPlayReader } from './shared-plays.ts';
import type { NodeFollowStatus } from '../origin/types.ts';
import { type OriginSettings, originConfig } from './origin-config.ts';

/** Everything `serve` reads from the environment, read once at the edge (cli/main.ts). */
export type ServeSettings = OriginSettings & { listeners: ListenersConfig };

export interface ServeOptions {
  port: number;
  host: string;
  workers: number;
  /** Keep the local catalog current from the publish journal (implied by CADENCE_QUEUE). */
  follow?: boolean;
}

/** What a cluster worker tells the primary. */
type WorkerMessage = { listening?: string; failed?: { code: ErrorCode; message: string } };
/** What the primary tells its workers: its followers' status, for their /metrics. */
type PrimaryMessage = { followStatus?: NodeFollowStatus };
/** How often the primary sends its followers' status to its workers. */
const STATUS_EVERY_MS = 1000;

/** In a cluster worker, the followers' status as the primary last sent it. */
function statusFromPrimary(): () => NodeFollowStatus | null {
  let latest: NodeFollowStatus | null = null;
  process.on('message', (message: PrimaryMessage) => {
    if (message?.followStatus) latest = message.followStatus;
  });
  return () => latest;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** The origin's log: JSON lines on stderr. */
function serveLogger(config: CadenceConfig): pino.Logger {
  return pino({ level: config.logLevel ?? 'info' }, pino.destination(2));
}

interface Started {
  server: RunningServer;
  stop(): Promise<void>;
}

async function startWorker(config: CadenceConfig, settings: ServeSettings, options: ServeOptions, followStatus?: () => NodeFollowStatus | null): Promise<Started> {
  const log = serveLogger(config);
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger: log });
  const opening = performance.now();
  let catalog: ReturnType<typeof openCatalog> | undefined;
  let origin: ReturnType<typeof createOriginApp> | undefined;
  let listeners: OpenListenerServices | undefined;
  let playSink: SharedPlaySink | undefined;
  try {
    // Searches read every candidate's fields: a long-running server keeps them in memory.
    catalog = openCatalog(config.catalogPath, { searchInMemory: true });
    log.info({ ms: Math.round(performance.now() - opening), heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }, 'catalog open, search fields in memory');
    listeners = await openListenerServices(settings.listeners, { logger: log });
    // With CADENCE_QUEUE every node counts every node's plays: they go to the shared play stream.
    if (config.queueUrl) playSink = await openSharedPlaySink({ ...config, queueUrl: config.queueUrl }, log);
    origin = createOriginApp(originConfig(settings), { store, catalog, logger: log, listeners, playSink, followStatus });
    const server = await listen(origin, {
      port: options.port,
      host: options.host,
      limits: settings.http,
      onWriteError: (error, requestId) => log.error({ err: error, requestId }, 'could not write a media answer'),
    });
    log.info({ url: server.url, store: config.storeUrl, catalog: config.catalogPath, pid: process.pid }, 'origin listening');
    const [opened, app, services, sink] = [catalog, origin, listeners, playSink];
    return {
      server,
      async stop() {
        await server.close();
        app.stop();
        await sink?.close();
        await services.close();
        opened.close();
        await store.close?.();
      },
    };
  } catch (error) {
    origin?.stop();
    await playSink?.close();
    await listeners?.close();
    catalog?.close();
    await store.close?.();
    throw error;
  }
}

async function runWorker(config: CadenceConfig, settings: ServeSettings, options: ServeOptions, followStatus?: () => NodeFollowStatus | null): Promise<void> {
  let started: Started;
  try {
    started = await startWorker(config, settings, options, followStatus ?? (cluster.isWorker ? statusFromPrimary() : undefined));
  } catch (error) {
    // A cluster worker hands a clear failure to the primary, which says it once for all workers.
    if (!cluster.isWorker || !isCadenceError(error)) throw error;
    process.send?.({ failed: { code: error.code, message: error.message } } satisfies WorkerMessage);
    process.exitCode = 1;
    cluster.worker?.disconnect();
    return;
  }
  if (cluster.isPrimary) process.stdout.write(`listening on ${started.server.url}\n`);
  else process.send?.({ listening: started.server.url } satisfies WorkerMessage);
  await untilSignal();
  await started.stop();
  // A cluster worker stays alive while its IPC channel is open: let go of it so the process ends.
  if (cluster.isWorker) cluster.worker?.disconnect();
}

export async function serveOrigin(config: CadenceConfig, settings: ServeSettings, options: ServeOptions): Promise<void> {
  if (!cluster.isPrimary) return runWorker(config, settings, options);
  // The primary alone follows the journal: one writer to this node's catalog file.
  const following = options.follow || config.queueUrl ? await startFollowing(config, serveLogger(config)) : null;
  // And alone reads the shared play stream into it.
  const playReader = config.queueUrl ? await startSharedPlayReader({ ...config, queueUrl: config.queueUrl }, serveLogger(config)) : null;
  const followStatus = following || playReader ? (): NodeFollowStatus => ({ journal: following?.status() ?? null, playStream: playReader?.status() ?? null }) : undefined;
  try {
    if (options.workers <= 1) await runWorker(config, settings, options, followStatus);
    else await runPrimary(config, settings, options, followStatus);
  } finally {
    await playReader?.stop();
    await following?.stop();
  }
}

async function runPrimary(config: CadenceConfig, settings: ServeSettings, options: ServeOptions, followStatus?: () => NodeFollowStatus): Promise<void> {
  // Create the dev signing key and the local identity once, before the workers race to create them.
  originConfig(settings);
  if (settings.listeners.auth.mode === 'local') await loadOrCreateLocalIdentity(settings.listeners.auth.keyFile);
  // Bring the catalog's schema up to date once, here: a migration can hold the write lock longer
  // than a worker waits for it (migration 7 takes ~20 s at a million tracks).
  openCatalog(config.catalogPath).close();
  let listening = 0;
  let failure: CadenceError | undefined;
  let stopping = false;
  const stopAll = (): void => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  const allExited = new Promise<void>((resolve) => {
    let exited = 0;
    cluster.on('exit', (worker, code) => {
      if (!stopping && !failure) process.stderr.write(`origin worker ${worker.process.pid} exited (${code}); stopping\n`);
      if (!stopping) {
        process.exitCode = 1;
        stopAll();
      }
      if (++exited === options.workers) resolve();
    });
  });
  for (let i = 0; i < options.workers; i++) {
    const worker = cluster.fork();
    worker.on('message', (message: WorkerMessage) => {
      if (message.failed && !failure) {
        failure = new CadenceError(message.failed.code, message.failed.message);
        stopAll();
      }
      if (message.listening && ++listening === options.workers) process.stdout.write(`listening on ${message.listening} (${options.workers} workers)\n`);
    });
  }
  const relay = followStatus
    ? setInterval(() => {
        const message: PrimaryMessage = { followStatus: followStatus() };
        for (const worker of Object.values(cluster.workers ?? {})) if (worker?.isConnected()) worker.send(message);
      }, STATUS_EVERY_MS)
    : undefined;
  await Promise.race([untilSignal(), allExited]);
  clearInterval(relay);
  stopAll();
  await allExited;
  if (failure) throw failure;
}
