// `cadence serve --follow` (implied by CADENCE_QUEUE): the node's own catalog file kept current
// from the publish journal. A new node first restores the newest snapshot, and starts answering
// only once it has applied every entry after it.

import { openCatalog } from '../catalog/open-catalog.ts';
import { type FollowStatus, followJournal } from '../journal/follow.ts';
import { restoreSnapshotIfNew } from '../journal/snapshot.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { StoreLogger } from '../storage/types.ts';
import type { CadenceConfig } from './config.ts';

export interface JournalFollowing {
  status(): FollowStatus;
  stop(): Promise<void>;
}

export async function startFollowing(config: CadenceConfig, logger: StoreLogger): Promise<JournalFollowing> {
  const store = openObjectStore(config.storeUrl, { s3: config.s3, logger });
  const started = performance.now();
  const restored = await restoreSnapshotIfNew({ store, catalogPath: config.catalogPath });
  const catalog = openCatalog(config.catalogPath);
  const nudges = config.queueUrl ? (await import('../journal/redis-nudge.ts')).redisJournalNudges(config.queueUrl, logger) : undefined;
  const following = followJournal({ store, catalog, pollMs: config.journalPollMs, logger, subscribe: nudges?.subscribe });
  await following.caughtUp();
  logger.info(
    { restoredSnapshot: restored?.position ?? null, position: catalog.journalPosition().number, ms: Math.round(performance.now() - started) },
    'catalog follows the publish journal',
  );
  return {
    status: () => following.status(),
    async stop() {
      await following.stop();
      await nudges?.close();
      catalog.close();
      await store.close?.();
    },
  };
}
