// The one place a stored version becomes what the catalog serves. Ingest and the queue's workers
// publish through here: one entry in the publish journal (journal/), decided against the catalog
// caught up with every entry before it, then applied to the local catalog.

import type { Catalog, CatalogChange, PublishInput } from '../catalog/types.ts';

/** What publishing needs of the publish journal (journal/journal-writer.ts provides it). */
export interface PublishLog {
  append(change: CatalogChange, refuse: () => string | null, signal?: AbortSignal): Promise<unknown>;
}

export interface PublishTarget {
  catalog: Catalog;
  /** Absent only where no journal is kept (catalog-only tests): the switch is then local. */
  journal?: PublishLog;
}

/** Records the switch; CONFLICT (nothing changed) when another label or master owns the track. */
export async function publishVersion({ catalog, journal }: PublishTarget, input: PublishInput, signal?: AbortSignal): Promise<void> {
  if (!journal) {
    catalog.publish(input);
    return;
  }
  await journal.append({ kind: 'publish', input }, () => catalog.ownershipConflict(input), signal);
}
