// The `cadence` command line. Configuration is read here, once, and passed into library code.

import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { isCadenceError } from '../errors/cadence-error.ts';
import { DEFAULT_GRACE_SECONDS, collectGarbage } from '../pipeline/garbage-collect.ts';
import { packageMaster } from '../pipeline/package-master.ts';
import { addAvailabilityCommands } from './availability-commands.ts';
import { addTracksCommands } from './tracks-commands.ts';
import { type CadenceConfig, readConfig } from './config.ts';
import { abortedExitStatus, withInterrupts } from './interrupt.ts';
import { logger, withStoreAndCatalog, writeJson } from './command-context.ts';
import { type IngestOptions, runIngest } from './ingest-command.ts';
import { ingestErrorJson } from './ingest-view.ts';
import { readListenersConfig } from './listeners-config.ts';
import { readOriginSettings } from './origin-config.ts';
import { progressReporter } from './progress.ts';
import { registerQueueCommands } from './queue-commands.ts';
import { reindexFollowingJournal } from './journal-setup.ts';
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
        const result = await withInterrupts((signal) =>
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
