// `cadence takedown (--isrc X | --upc Y) [--reason …]` and `cadence restore (--isrc X | --upc Y)`:
// availability changes through the publish journal (pipeline/takedown-records.ts), then the CDN
// purge hook when configured (cli/cdn-purge.ts: the ISRCs, and the covers of releases left with
// no available track).

import type { Command } from 'commander';
import type { Catalog, TakedownTarget } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import { isIsrc } from '../pipeline/identifiers.ts';
import type { ObjectStore, StoreLogger } from '../storage/types.ts';
import { coverPathsToPurge, purgeWhenSeen } from './cdn-purge.ts';
import type { CadenceConfig } from './config.ts';
import { withPublishingJournal } from './journal-setup.ts';
import { parseReleaseOption } from './release-option.ts';

interface TargetOptions {
  isrc?: string;
  upc?: string;
  json: boolean;
}

export interface AvailabilityCommandsContext {
  config: CadenceConfig;
  withStoreAndCatalog: <T>(config: CadenceConfig, run: (store: ObjectStore, catalog: Catalog) => Promise<T>) => Promise<T>;
  writeJson: (value: unknown) => void;
  /** The command's logger (stderr), for the journal's snapshots and nudges. */
  logger: () => StoreLogger;
}

/** Exactly one of --isrc and --upc, well formed. */
function targetOf({ isrc, upc }: TargetOptions): TakedownTarget {
  if ((isrc === undefined) === (upc === undefined)) throw new CadenceError('BAD_INPUT', 'name exactly one of --isrc and --upc');
  if (isrc !== undefined) {
    if (!isIsrc(isrc)) throw new CadenceError('BAD_INPUT', `--isrc ${JSON.stringify(isrc)} is not an ISRC (12 characters like GBAYE2600001, no hyphens)`);
    return { isrcs: [isrc] };
  }
  return { upc: parseReleaseOption('--upc', upc!) };
}

export function addAvailabilityCommands(program: Command, { config, withStoreAndCatalog, writeJson, logger }: AvailabilityCommandsContext): void {
  const change = async (options: TargetOptions, reason: string | null): Promise<void> => {
    const target = targetOf(options);
    const { changeAvailability } = await import('../pipeline/takedown-records.ts');
    // Only a takedown purges: after a restore the edge holds nothing it should not serve.
    const purged = reason !== null && config.purgeCommand !== null;
    const { isrcs, covers } = await withStoreAndCatalog(config, async (store, catalog) => {
      // Through the publish journal, as publishes go: every origin node following it applies the change.
      const changed = await withPublishingJournal(config, { store, catalog, logger: logger() }, (journal) =>
        // An operator's takedown: no DDEX message lifts it, only `cadence restore`.
        changeAvailability({ store, catalog, target, takedown: reason === null ? null : { source: 'operator', reason }, journal }),
      );
      // Decided on the catalog the change was just applied to, as every following node decides.
      return { isrcs: changed, covers: purged ? coverPathsToPurge(catalog, { isrcs: changed, upc: 'upc' in target ? target.upc : undefined }) : [] };
    });
    if (purged) await purgeWhenSeen(config.purgeCommand!, { isrcs, paths: covers }, config);
    const verb = reason === null ? 'restored' : 'taken down';
    const coverWords = covers.length ? `, with ${covers.length === 1 ? 'the release cover' : `${covers.length} release covers`}` : '';
    // `covers` only when the hook ran: the paths it was given in CADENCE_PURGE_PATHS.
    if (options.json) writeJson({ ok: true, action: reason === null ? 'restore' : 'takedown', isrcs, purged, ...(purged ? { covers } : {}) });
    else process.stdout.write(`${verb}: ${isrcs.join(', ')}${purged ? ` (CDN purged${coverWords})` : ''}\n`);
  };

  program
    .command('takedown')
    .description('stop a track or a whole release from being streamed (grants refused at once, media within seconds); no media is touched')
    .option('--isrc <isrc>', 'the track')
    .option('--upc <upc>', 'every track of the release (its UPC/EAN, or grid:<GRid> / proprietary:<namespace>:<id> for one without)')
    .option('--reason <text>', 'why, shown to players in the 410 answer', 'taken down by the rights holder')
    .option('--json', 'print one JSON report on stdout', false)
    .action((options: TargetOptions & { reason: string }) => {
      if (!options.reason.trim()) throw new CadenceError('BAD_INPUT', '--reason must not be blank');
      return change(options, options.reason.trim());
    });

  program
    .command('restore')
    .description('make taken-down tracks streamable again (as their rights allow)')
    .option('--isrc <isrc>', 'the track')
    .option('--upc <upc>', 'every track of the release (its UPC/EAN, or grid:<GRid> / proprietary:<namespace>:<id> for one without)')
    .option('--json', 'print one JSON report on stdout', false)
    .action((options: TargetOptions) => change(options, null));
}
