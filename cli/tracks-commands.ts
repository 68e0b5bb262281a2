// `cadence tracks [--release UPC] [--json]` and `cadence track ISRC [--json]`: what is published,
// without SQL. Read-only: the catalog is opened as `search` opens it (a current schema takes no
// lock, so this runs beside a publishing process), and a missing catalog is not created.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { isIsrc } from '../pipeline/identifiers.ts';
import type { CadenceConfig } from './config.ts';
import { parseReleaseOption } from './release-option.ts';
import { formatTrackDetails, formatTrackTable } from './tracks-view.ts';

export interface TracksCommandsContext {
  config: CadenceConfig;
  writeJson: (value: unknown) => void;
  positiveInteger: (value: string) => number;
}

async function withCatalog<T>(config: CadenceConfig, run: (catalog: Catalog) => T): Promise<T> {
  if (!existsSync(config.catalogPath)) throw new CadenceError('NOT_FOUND', `no catalog at ${config.catalogPath} (CADENCE_CATALOG): nothing is published here yet`);
  const { openCatalog } = await import('../catalog/open-catalog.ts');
  const catalog = openCatalog(config.catalogPath);
  try {
    return run(catalog);
  } finally {
    catalog.close();
  }
}

/** NOT_FOUND for a track the catalog does not hold, naming its latest job when one failed here. */
function unknownTrack(catalog: Catalog, isrc: string): CadenceError {
  const last = catalog.jobs(isrc).at(-1);
  const job = last ? `; its latest ingest job #${last.id} ${last.state}${last.lastError ? `: ${last.lastError}` : ''}` : '';
  return new CadenceError('NOT_FOUND', `no published track ${isrc} in the catalog${job}`);
}

export function addTracksCommands(program: Command, { config, writeJson, positiveInteger }: TracksCommandsContext): void {
  program
    .command('tracks')
    .description('list the published tracks (or one release\'s): current version, when published, availability, last job')
    .option('--release <upc>', 'only the tracks of this release (its UPC/EAN, or grid:<GRid> / proprietary:<namespace>:<id>), in disc and track order')
    .option('--json', 'print one JSON document on stdout', false)
    .action(async (options: { release?: string; json: boolean }) => {
      const upc = options.release === undefined ? undefined : parseReleaseOption('--release', options.release);
      // A release may be named by any of its ids (an ICPN learned later): answers give its own id.
      const { listing, id } = await withCatalog(config, (catalog) => ({ listing: catalog.listTracks({ upc }), id: upc === undefined ? undefined : (catalog.resolveRelease(upc) ?? upc) }));
      if (listing === null) throw new CadenceError('NOT_FOUND', `no release ${upc} in the catalog`);
      if (options.json) writeJson(id === undefined ? { tracks: listing } : { release: id, tracks: listing });
      else process.stdout.write(formatTrackTable(listing, new Date(), id === upc ? id : `${id} (named by ${upc})`));
    });

  program
    .command('track')
    .description('one published track: its versions (current marked, master hash), releases, availability and latest ingest jobs')
    .argument('<isrc>', 'the track\'s ISRC')
    .option('--jobs <n>', 'how many of the latest ingest jobs to show', positiveInteger, 5)
    .option('--json', 'print one JSON document on stdout', false)
    .action(async (isrc: string, options: { jobs: number; json: boolean }) => {
      if (!isIsrc(isrc)) throw new CadenceError('BAD_INPUT', `${JSON.stringify(isrc)} is not an ISRC (12 characters like GBAYE2600001, no hyphens)`);
      const details = await withCatalog(config, (catalog) => catalog.trackDetails(isrc, { jobs: options.jobs }) ?? unknownTrack(catalog, isrc));
      if (details instanceof CadenceError) throw details;
      if (options.json) writeJson(details);
      else process.stdout.write(formatTrackDetails(details, new Date()));
    });
}
