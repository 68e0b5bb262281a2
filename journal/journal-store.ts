// Journal entries in object storage: one create-only object per number. Two writers that want the
// same number race on the store's create-only put (`link()` on the folder driver, `If-None-Match:
// *` on S3): exactly one creates it, the other learns the number is taken.

import type { JournalEntry } from '../catalog/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { ObjectStore } from '../storage/types.ts';
import { JOURNAL_ENTRIES_PREFIX, journalEntryKey } from '../storage/layout.ts';

/** The entry with this number, or null when nobody has written it yet. */
export async function readJournalEntry(store: ObjectStore, number: number): Promise<JournalEntry | null> {
  let bytes: Buffer;
  try {
    bytes = await store.getBytes(journalEntryKey(number));
  } catch (error) {
    if (isCadenceError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
  const entry = JSON.parse(bytes.toString('utf8')) as JournalEntry;
  if (entry.number !== number) throw new CadenceError('STORAGE', `${store.url} ${journalEntryKey(number)}: holds entry ${entry.number}`);
  return entry;
}

/** 'written', or 'taken' when another writer created this number first. */
export async function writeJournalEntry(store: ObjectStore, entry: JournalEntry, signal?: AbortSignal): Promise<'written' | 'taken'> {
  try {
    // Entries carry their writer's unique id, so identical bytes already there can only be ours
    // (a retried put whose first answer was lost).
    await store.putBytes(journalEntryKey(entry.number), `${JSON.stringify(entry)}\n`, { contentType: 'application/json', signal });
    return 'written';
  } catch (error) {
    if (isCadenceError(error) && error.code === 'CONFLICT') return 'taken';
    throw error;
  }
}

/** The highest entry number in storage (0 when none), by listing: for reindex and tools, not the hot path. */
export async function journalHead(store: ObjectStore): Promise<number> {
  let head = 0;
  for await (const { key } of store.list(JOURNAL_ENTRIES_PREFIX)) {
    const number = Number(key.slice(JOURNAL_ENTRIES_PREFIX.length).replace(/\.json$/, ''));
    if (Number.isInteger(number) && number > head) head = number;
  }
  return head;
}
