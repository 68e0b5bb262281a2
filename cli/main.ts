// The `cadence` command line. Configuration is read here, once, and passed into library code.

import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import { type Delivery, loadDelivery } from '../pipeline/delivery.ts';
import { DEFAULT_GRACE_SECONDS, collectGarbage } from '../pipeline/garbage-collect.ts';
import { type IngestReport, ingestDelivery, ingestReport } from '../pipeline/ingest.ts';
import { packageMaster } from '../pipeline/package-master.ts';
import type { ObjectStore } from '../storage/types.ts';
import { addAvailabilityCommands } from './availability-commands.ts';
import { type PurgeRequest, purgeWhenSeen } from './cdn-purge.ts';
import { addTracksCommands } from './tracks-commands.ts';
import { type CadenceConfig, readConfig } from './config.ts';
import { checkIngestTargets } from './ingest-targets.ts';
import { abortedExitStatus, withInterrupts } from './interrupt.ts';
import { formatIngestSummary, formatWarnings, ingestErrorJson, ingestView } from './ingest-view.ts';
import { readListenersConfig } from './listeners-config.ts';
import { readOriginSettings } from './origin-config.ts';
import { progressReporter } from './progress.ts';
import { registerQueueCommands } from './queue-commands.ts';
import type { PublishLog } from '../pipeline/publish-version.ts';
import { reindexFollowingJournal, withPublishingJournal } from './journal-setup.ts';
import { packageVersion } from './version.ts';
import { formatPackageSummary } from './summary.ts';

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError('expected a positive number');
  return number;
}

function positiveInteger(value: string): number {
  const number = positiveNumber(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError('expected a positive integer');
  return number;
}

/** A TCP port; 0 asks the system for a free one. */
function port(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return number;
}

/** `90`, `90s`, `15m`, `12h`, `7d` → seconds. */
function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected a duration such as 3600, 30m, 12h or 7d');
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
}

/** Cancels the running command on Ctrl-C / SIGTERM so ffmpeg stops and temp files go (cli/interrupt.ts). */
const withAbort = withInterrupts;

function logger(config: CadenceConfig): pino.Logger {
  return pino({ level: config.logLevel ?? 'warn' }, pino.destination(2));
}

/**
 * `fromSnapshot`: a writer whose catalog file does not exist yet starts from the newest snapshot
 * (it catches up with the journal anyway, and replaying every entry from 1 is the slow way there).
 * Not for `reindex`, which rebuilds from the stored versions alone.
 */
async function withStoreAndCatalog<T>(config: CadenceConfig, run: (store: ObjectStore, catalog: Catalog) => Promise<T>, { fromSnapshot = false } = {}): Promise<T> {
  return withStore(config, async (store) => {
    // Loaded on demand: SQLite is not needed by `package`, which starts faster without it.
    const { openCatalog } = await import('../catalog/open-catalog.ts');
    if (fromSnapshot) await (await import('../journal/snapshot.ts')).restoreSnapshotIfNew({ store, catalogPath: config.catalogPath });
    const catalog = openCatalog(config.catalogPath);
    try {
      return await run(store, catalog);
    } finally {
      catalog.close();
    }
  });
}

/** Object storage alone (a dry run reads the DDEX message log and writes nothing). */
async function withStore<T>(config: CadenceConfig, run: (store: ObjectStore) => Promise<T>): Promise<T> {
  // Loaded on demand: the AWS SDK is not needed by `package`.
  const { openObjectStore } = await import('../storage/open-store.ts');
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger: logger(config) });
  try {
    return await run(store);
  } finally {
    await store.close?.();
  }
}

/** The catalog read only, when its file exists and is current; else null (nothing is created or migrated). */
async function withCatalogIfAny<T>(config: CadenceConfig, run: (catalog: Catalog | null) => Promise<T>): Promise<T> {
  const { existsSync } = await import('node:fs');
  const { openCatalog } = await import('../catalog/open-catalog.ts');
  let catalog: Catalog | null = null;
  try {
    if (existsSync(config.catalogPath)) catalog = openCatalog(config.catalogPath, { readonly: true });
  } catch (error) {
    // An older schema cannot be read without migrating: the dry run names the release by the message's own id.
    if (!(isCadenceError(error) && error.code === 'CATALOG')) throw error;
  }
  try {
    return await run(catalog);
  } finally {
    catalog?.close();
  }
}

function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

interface IngestOptions {
  concurrency?: number;
  dryRun: boolean;
  json: boolean;
  maxDuration: number;
  detach: boolean;
  batch: boolean;
  ack?: string;
}

async function runIngest(config: CadenceConfig, path: string, options: IngestOptions): Promise<void> {
  if (options.detach && !config.queue) throw new CadenceError('BAD_INPUT', '--detach needs CADENCE_QUEUE=redis://host:port[/db]: without a queue, ingest runs here');
  // Validation first, before storage or the catalog is touched: a bad delivery changes nothing.
  // The store and catalog it would write to are checked too (creating nothing), dry run or not.
  await checkIngestTargets(config);
  const { isDdexPath } = await import('../pipeline/ddex-delivery.ts');
  if (options.batch || (await isDdexPath(path))) return runDdexDelivery(config, path, options);
  if (options.ack !== undefined) throw new CadenceError('BAD_INPUT', `--ack is for DDEX messages; ${path} is a JSON delivery`);
  const delivery = await loadDelivery(path, { ffprobePath: config.tools.ffprobePath, maxDurationSeconds: options.maxDuration });
  if (options.dryRun) {
    const report = ingestReport(delivery, [], true);
    printIngestReport(report, delivery, options);
    return;
  }
  let report: IngestReport;
  if (config.queue) {
    const queued = await ingestQueued(config, delivery, options);
    if (!queued) return;
    report = queued;
  } else {
    report = await withStoreAndCatalog(
      config,
      (store, catalog) => withPublishingJournal(config, { store, catalog, logger: logger(config) }, (journal) => ingestInProcess(config, { store, catalog, journal }, delivery, options)),
      { fromSnapshot: true },
    );
  }
  printIngestReport(report, delivery, options);
  if (report.failed > 0) process.exitCode = 1;
}

/** The summary (or `--json` document) of a JSON delivery's ingest, with the delivery's warnings. */
function printIngestReport(report: IngestReport, delivery: Delivery, options: Pick<IngestOptions, 'json'>): void {
  if (options.json) writeJson({ ok: report.failed === 0, ...report, warnings: delivery.warnings });
  else process.stdout.write(formatIngestSummary(report) + formatWarnings(delivery.warnings));
}

/** Through the queue: workers on any machine do the tracks (cli/queued-ingest.ts); null when detached. */
async function ingestQueued(config: CadenceConfig, delivery: Delivery, options: IngestOptions): Promise<IngestReport | null> {
  const view = ingestView(process.stderr);
  try {
    const { ingestThroughQueue } = await import('./queued-ingest.ts');
    return await withAbort((signal) => ingestThroughQueue({ config, redis: config.queue!, delivery, detach: options.detach, json: options.json, events: view, signal }));
  } finally {
    view.stop();
  }
}

/** Where an in-process ingest writes: storage, the catalog, and the publish journal. */
interface IngestTargets {
  store: ObjectStore;
  catalog: Catalog;
  journal: PublishLog;
}

async function ingestInProcess(config: CadenceConfig, { store, catalog, journal }: IngestTargets, delivery: Delivery, options: IngestOptions): Promise<IngestReport> {
  const view = ingestView(process.stderr);
  try {
    return await withAbort((signal) =>
      ingestDelivery({
        ...config.tools,
        delivery,
        store,
        catalog,
        journal,
        concurrency: options.concurrency,
        maxDurationSeconds: options.maxDuration,
        signal,
        logger: logger(config),
        events: view,
      }),
    );
  } finally {
    view.stop();
  }
}

/** DDEX ERN: a release folder, its message file, or `--batch` a folder of release folders (cli/ddex-ingest.ts). */
async function runDdexDelivery(config: CadenceConfig, path: string, options: IngestOptions): Promise<void> {
  // Refused rather than queued: a message is applied in MessageCreatedDateTime order, its TakeDown
  // deals and its record wait for its tracks, and its acknowledgement tells the outcome, all of
  // which need this command to follow the jobs. Without --detach the tracks still go to the workers.
  if (options.detach) {
    throw new CadenceError(
      'BAD_INPUT',
      `--detach is for JSON deliveries: ${path} is DDEX, and a DDEX message is applied in order once its tracks are published (takedowns, its record, the acknowledgement), so this command must follow its jobs; run it without --detach (with CADENCE_QUEUE the tracks are still encoded by the workers)`,
    );
  }
  const { runDdexIngest } = await import('./ddex-ingest.ts');
  await runDdexIngest(
    path,
    { batch: options.batch, dryRun: options.dryRun, json: options.json, ack: options.ack, ffprobePath: config.tools.ffprobePath, maxDurationSeconds: options.maxDuration },
    {
      // One journal for the whole run: publishes and DDEX takedowns/restores reach every following node.
      withTargets: (run) =>
        withStoreAndCatalog(
          config,
          async (store, catalog) => {
            const { catchUp } = await import('../journal/catch-up.ts');
            return withPublishingJournal(config, { store, catalog, logger: logger(config) }, (journal) => run({ store, catalog, journal, catchUp: () => catchUp({ store, catalog }) }));
          },
          { fromSnapshot: true },
        ),
      // A dry run reads the catalog as it is (read only, not caught up: it writes nothing anywhere).
      withStore: (run) => withStore(config, (store) => withCatalogIfAny(config, (catalog) => run(store, catalog))),
      ingestRelease: async (targets, delivery) => {
        if (!config.queue) return ingestInProcess(config, targets, delivery, options);
        return (await ingestQueued(config, delivery, { ...options, detach: false }))!;
      },
      writeJson,
      write: (text) => process.stdout.write(text),
      ...(config.purgeCommand ? { purgeCdn: (request: PurgeRequest) => purgeWhenSeen(config.purgeCommand!, request, config) } : {}),
    },
  );
}

export function buildProgram(config: CadenceConfig): Command {
  const program = new Command('cadence')
    .description('HTTP adaptive-streaming audio pipeline and origin')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('package')
    .description('transcode and package one master into a folder any static file server can serve')
    .argument('<master>', 'WAV, FLAC or AIFF master (16/24-bit integer or 32-bit float, 44.1–192 kHz, mono or stereo)')
    .requiredOption('--out <dir>', 'output folder (created; must not exist or be empty)')
    .option('--force', 'replace the output folder if it already has content', false)
    .option('--max-duration <seconds>', 'refuse masters longer than this', positiveNumber, config.maxDurationSeconds)
    .option('--workers <n>', 'ffmpeg processes to run at once (default: one per core)', positiveInteger)
    .option('--json', 'print the media description as JSON on stdout', false)
    .action(async (master: string, options: { out: string; force: boolean; maxDuration: number; workers?: number; json: boolean }) => {
      const progress = progressReporter(process.stderr);
      try {
        const result = await withAbort((signal) =>
          packageMaster({
            ...config.tools,
            master,
            outDir: options.out,
            force: options.force,
            maxDurationSeconds: options.maxDuration,
            workers: options.workers,
            signal,
            onProgress: progress.update,
            logger: logger(config),
          }),
        );
        progress.done();
        if (options.json) writeJson(result.description);
        else process.stdout.write(formatPackageSummary(result));
      } finally {
        progress.done();
      }
    });

  program
    .command('ingest')
    .description('validate a label delivery, then package, store, publish and index every track')
    .argument('<delivery>', 'delivery JSON file (master paths relative to it), DDEX ERN .xml message, or release folder (one ERN message + its resources); with --batch, a folder of release folders')
    .option('--concurrency <n>', 'tracks processed at once (default: one per core)', positiveInteger)
    .option('--dry-run', 'validate the delivery and probe every master, then stop', false)
    .option('--json', 'print one JSON report on stdout', false)
    .option('--max-duration <seconds>', 'refuse masters longer than this', positiveNumber, config.maxDurationSeconds)
    .option('--detach', 'with CADENCE_QUEUE: return once the jobs are queued, printing their ids', false)
    .option('--batch', 'DDEX: ingest every release folder of this folder, in MessageCreatedDateTime order', false)
    .option('--ack <dir>', 'DDEX: write one acknowledgement per message (<MessageId>.json) into this folder')
    .action(async (file: string, options: IngestOptions) => {
      try {
        await runIngest(config, file, options);
      } catch (error) {
        // `--json` promises one JSON document on stdout, failures included.
        if (options.json) writeJson(ingestErrorJson(error));
        throw error;
      }
    });

  program
    .command('reindex')
    .description('rebuild the catalog from object storage alone')
    .option('--json', 'print one JSON report on stdout', false)
    .action(async (options: { json: boolean }) => {
      const report = await withStoreAndCatalog(config, (store, catalog) => reindexFollowingJournal({ store, catalog, logger: logger(config) }));
      if (options.json) writeJson(report);
      else {
        const conflicts = report.conflicts > 0 ? `; ${report.conflicts} tracks left out: their stored facts name two labels (see the log)` : '';
        process.stdout.write(`reindexed ${report.tracks} tracks from ${report.versions} complete versions (${report.incomplete} incomplete ignored, ${report.availabilityChanges} takedown/restore records replayed, ${report.releaseRemovals} track(s) taken off releases)${conflicts}\n`);
      }
    });

  program
    .command('snapshot')
    .description('store a copy of the catalog in object storage, for new origin nodes to start from')
    .option('--json', 'print one JSON report on stdout', false)
    .action(async (options: { json: boolean }) => {
      const { catchUp } = await import('../journal/catch-up.ts');
      const { writeSnapshot } = await import('../journal/snapshot.ts');
      const snapshot = await withStoreAndCatalog(config, async (store, catalog) => {
        await catchUp({ store, catalog });
        return writeSnapshot({ store, catalog });
      });
      if (options.json) writeJson(snapshot);
      else process.stdout.write(`snapshot of the catalog at journal entry ${snapshot.position} stored as ${snapshot.key} (${snapshot.bytes} bytes)\n`);
    });

  program
    .command('gc')
    .description('delete stored versions no track points at, older than a grace period')
    .option('--grace <duration>', 'keep unreferenced versions younger than this (e.g. 12h, 7d)', duration, DEFAULT_GRACE_SECONDS)
    .option('--dry-run', 'list what would be deleted', false)
    .option('--json', 'print one JSON report on stdout', false)
    .action(async (options: { grace: number; dryRun: boolean; json: boolean }) => {
      const report = await withStoreAndCatalog(config, (store, catalog) =>
        collectGarbage({ store, catalog, graceSeconds: options.grace, dryRun: options.dryRun }),
      );
      if (options.json) writeJson(report);
      else {
        const verb = options.dryRun ? 'would remove' : 'removed';
        process.stdout.write(`${verb} ${report.removed.length} versions, kept ${report.kept}\n`);
        for (const { isrc, version, objects } of report.removed) process.stdout.write(`  ${isrc}/${version} (${objects} objects)\n`);
      }
    });

  program
    .command('search')
    .description('search the catalog by title, artist, album and genre (typos, accents and half-typed words forgiven)')
    .argument('<query...>', 'what to look for')
    .option('--limit <n>', 'results (1-50)', positiveInteger, 10)
    .option('--genre <words>', 'only this genre')
    .option('--artist <words>', 'only this artist')
    .option('--json', 'print one JSON document on stdout', false)
    .action(async (words: string[], options: { limit: number; genre?: string; artist?: string; json: boolean }) => {
      const { openCatalog } = await import('../catalog/open-catalog.ts');
      const catalog = openCatalog(config.catalogPath);
      try {
        const results = catalog.search({ q: words.join(' '), limit: options.limit, genre: options.genre, artist: options.artist });
        if (options.json) writeJson({ results });
        else if (results.length === 0) process.stdout.write('no matches\n');
        else {
          for (const r of results) {
            process.stdout.write(`${r.isrc}  ${r.title} — ${r.artists.join(', ')} (${r.album}, ${Math.round(r.duration)} s)${r.match === 'exact' ? '' : ` [${r.match}]`}\n`);
          }
        }
      } finally {
        catalog.close();
      }
    });

  addAvailabilityCommands(program, { config, withStoreAndCatalog, writeJson, logger: () => logger(config) });
  addTracksCommands(program, { config, writeJson, positiveInteger });

  program
    .command('token')
    .description('print an access token the local origin accepts (embedded identity provider, key pair under ./data)')
    .requiredOption('--listener <id>', 'listener id (the token\'s subject)')
    .requiredOption('--tier <tier>', 'subscription tier (free, premium, hifi by default; CADENCE_TIERS)')
    .option('--country <CC>', 'ISO 3166-1 alpha-2 country of the listener')
    .option('--ttl <duration>', 'validity, e.g. 3600, 30m, 12h', duration, 3600)
    .action(async (options: { listener: string; tier: string; country?: string; ttl: number }) => {
      const { createLocalToken } = await import('./token-command.ts');
      process.stdout.write(`${await createLocalToken(config, options)}\n`);
    });

  program
    .command('serve')
    .description('run the origin: playback grants, signed manifests, byte ranges and segments')
    .option('--port <n>', 'TCP port (0: any free port)', port, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--workers <n>', 'origin processes sharing the port, each with its own media cache (default: one per core)', positiveInteger)
    .option('--follow', 'keep the local catalog current from the publish journal (implied by CADENCE_QUEUE)', false)
    .action(async (options: { port: number; host: string; workers?: number; follow: boolean }) => {
      // Every origin setting is checked before anything opens or listens.
      const settings = { ...readOriginSettings(process.env), listeners: readListenersConfig(process.env, config) };
      const { serveOrigin } = await import('./serve.ts');
      await serveOrigin(config, settings, { ...options, workers: options.workers ?? availableParallelism() });
    });

  registerQueueCommands(program, config, { positiveInteger, positiveNumber, writeJson });
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram(readConfig(process.env)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (isCadenceError(error)) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      return error.code === 'ABORTED' ? abortedExitStatus() : 1;
    }
    process.stderr.write(`INTERNAL: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main();
