// Appending to the publish journal: catch up, decide against the caught-up catalog, write the next
// number create-only, apply it locally. A writer that loses the race for a number catches up
// (now seeing the winner's change), decides again and takes the next: numbers have no gaps and no
// duplicates, and every decision was made against everything published before it.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Catalog, CatalogChange, JournalEntry } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import type { ObjectStore } from '../storage/types.ts';
import { catchUp } from './catch-up.ts';
import { writeJournalEntry } from './journal-store.ts';

export interface JournalWriterOptions {
  store: ObjectStore;
  catalog: Catalog;
  /** Told after each entry this writer appended (a Redis nudge to followers, snapshots). */
  onAppended?(entry: JournalEntry): void | Promise<void>;
  now?: () => Date;
}

export interface JournalWriter {
  /**
   * Appends `change` unless `refuse` (asked after catching up) gives a reason, which becomes a
   * CONFLICT. Resolves once the entry is written and applied to this catalog. A function is asked
   * for the change after each catch-up, so a change that depends on the catalog (a release's
   * tracks) is decided against everything before its entry; what it throws ends the append.
   */
  append(change: CatalogChange | (() => CatalogChange), refuse?: () => string | null, signal?: AbortSignal): Promise<JournalEntry>;
}

/** Rounds of losing the race before giving up: far more writers than any deployment runs. */
const MAX_ROUNDS = 1000;

export function createJournalWriter({ store, catalog, onAppended, now = () => new Date() }: JournalWriterOptions): JournalWriter {
  const writer = `${hostname()}/${process.pid}/${randomUUID()}`;
  // Appends of one process go one at a time: they would only race each other for numbers.
  let queue: Promise<unknown> = Promise.resolve();

  async function appendNow(change: CatalogChange | (() => CatalogChange), refuse: () => string | null, signal?: AbortSignal): Promise<JournalEntry> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      signal?.throwIfAborted();
      await catchUp({ store, catalog });
      const reason = refuse();
      if (reason) throw new CadenceError('CONFLICT', reason);
      const decided = typeof change === 'function' ? change() : change;
      const entry: JournalEntry = { number: catalog.journalPosition().number + 1, at: now().toISOString(), writer, change: decided };
      if ((await writeJournalEntry(store, entry, signal)) === 'taken') continue;
      catalog.applyJournalEntry(entry);
      await onAppended?.(entry);
      return entry;
    }
    throw new CadenceError('STORAGE', `${store.url}: lost the race for a journal number ${MAX_ROUNDS} times`);
  }

  return {
    append(change, refuse = () => null, signal) {
      const turn = queue.then(() => appendNow(change, refuse, signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
