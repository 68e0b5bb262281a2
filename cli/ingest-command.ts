// `cadence ingest`: a JSON delivery (in this process, or through the queue with CADENCE_QUEUE, or
// `--detach`ed to it), or DDEX ERN messages (cli/ddex-ingest.ts); `--dry-run` validates only.

import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { type Delivery, loadDelivery } from '../pipeline/delivery.ts';
import { type IngestReport, ingestDelivery, ingestReport } from '../pipeline/ingest.ts';
import type { PublishLog } from '../pipeline/publish-version.ts';
import type { ObjectStore } from '../storage/types.ts';
import { type PurgeRequest, purgeWhenSeen } from './cdn-purge.ts';
import { logger, withCatalogIfAny, withStore, withStoreAndCatalog, writeJson } from './command-context.ts';
import type { CadenceConfig } from './config.ts';
import { checkIngestTargets } from './ingest-targets.ts';
import { formatIngestSummary, formatWarnings, ingestView } from './ingest-view.ts';
import { withInterrupts } from './interrupt.ts';
import { withPublishingJournal } from './journal-setup.ts';

export interface IngestOptions {
  concurrency?: number;
  dryRun: boolean;
  json: boolean;
  maxDuration: number;
  detach: boolean;
  batch: boolean;
  ack?: string;
}

export async function runIngest(config: CadenceConfig, path: string, options: IngestOptions): Promise<void> {
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
    return await withInterrupts((signal) => ingestThroughQueue({ config, redis: config.queue!, delivery, detach: options.detach, json: options.json, events: view, signal }));
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
    return await withInterrupts((signal) =>
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
