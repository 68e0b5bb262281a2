// The publish journal as commands that publish use it: nudges over Redis when CADENCE_QUEUE names
// one, snapshots every CADENCE_SNAPSHOT_EVERY entries.

import type { Catalog } from '../catalog/types.ts';
import type { JournalWriter } from '../journal/journal-writer.ts';
import { publishingJournal } from '../journal/publishing-journal.ts';
import type { ObjectStore, StoreLogger } from '../storage/types.ts';
import type { CadenceConfig } from './config.ts';

export async function withPublishingJournal<T>(
  config: CadenceConfig,
  { store, catalog, logger }: { store: ObjectStore; catalog: Catalog; logger: StoreLogger },
  run: (journal: JournalWriter) => Promise<T>,
): Promise<T> {
  const nudges = config.queueUrl ? (await import('../journal/redis-nudge.ts')).redisJournalNudges(config.queueUrl, logger) : undefined;
  try {
    return await run(publishingJournal({ store, catalog, logger, snapshotEvery: config.snapshotEvery, nudges }));
  } finally {
    await nudges?.close();
  }
}
