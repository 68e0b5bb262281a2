// Brings a catalog up to the journal's head: reads entry position+1, applies it, and so on until
// the next number is not there yet.

import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { readJournalEntry } from './journal-store.ts';

/** Applies every entry after the catalog's position; returns how many it applied. */
export async function catchUp({ store, catalog }: { store: ObjectStore; catalog: Catalog }): Promise<number> {
  let applied = 0;
  for (;;) {
    const next = catalog.journalPosition().number + 1;
    const entry = await readJournalEntry(store, next);
    if (!entry) return applied;
    // Another process on this catalog file may have applied it meanwhile: that is not ours to count.
    if (catalog.applyJournalEntry(entry)) applied += 1;
  }
}
