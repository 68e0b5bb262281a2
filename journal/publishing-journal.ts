// The journal writer as publishing processes use it: each entry announced to following nodes,
// and a catalog snapshot stored every `snapshotEvery` entries so new nodes start from a recent copy.

import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore, StoreLogger } from '../storage/types.ts';
import { createJournalWriter, type JournalWriter } from './journal-writer.ts';
import type { JournalNudges } from './redis-nudge.ts';
import { writeSnapshot } from './snapshot.ts';

export interface PublishingJournalOptions {
  store: ObjectStore;
  catalog: Catalog;
  logger: StoreLogger;
  /** 0 turns automatic snapshots off. */
  snapshotEvery: number;
  nudges?: JournalNudges;
}

export function publishingJournal({ store, catalog, logger, snapshotEvery, nudges }: PublishingJournalOptions): JournalWriter {
  return createJournalWriter({
    store,
    catalog,
    async onAppended(entry) {
      await nudges?.announce(entry.number);
      if (snapshotEvery <= 0 || entry.number % snapshotEvery !== 0) return;
      // The entry is published either way: a failed snapshot only makes new nodes replay more.
      await writeSnapshot({ store, catalog }).then(
        (snapshot) => logger.info({ ...snapshot }, 'catalog snapshot stored'),
        (error: unknown) => logger.warn({ err: error, position: entry.number }, 'could not store a catalog snapshot'),
      );
    },
  });
}
