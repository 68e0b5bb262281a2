// The one place a stored version becomes what the catalog serves. Ingest and the queue's workers
// publish through here; the publish journal (journal/) hooks in here too.

import type { Catalog, PublishInput } from '../catalog/types.ts';

export interface PublishTarget {
  catalog: Catalog;
}

/** Records the switch; CONFLICT (nothing changed) when another label or master owns the track. */
export async function publishVersion({ catalog }: PublishTarget, input: PublishInput): Promise<void> {
  catalog.publish(input);
}
