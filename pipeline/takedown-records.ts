// `cadence takedown` / `cadence restore`: availability changes. Given the publish journal, a change
// is one journal entry like a publish (every origin node following the journal applies it, exactly
// once, and this catalog at once); without one, only this catalog changes. Either way it is also
// recorded in object storage so that `cadence reindex` keeps it: storage is the only shared truth
// (the catalog is a rebuildable index), and objects are never overwritten, so every change is a new
// record under takedowns/ named by its UTC time; replaying them in key order leaves the newest
// change in force. Each takedown carries who made it (an operator or a DDEX message), in the
// catalog, the journal entry and the record alike, since a later DDEX message may lift only its own
// kind. No media is touched.

import { createHash } from 'node:crypto';
import { type StoredTakedown, withTakedownSource } from '../catalog/takedown-source.ts';
import type { Catalog, CatalogChange, TakedownTarget } from '../catalog/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { Takedown, TakedownRequest } from '../listeners/rights-model.ts';
import { TAKEDOWNS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';

/** One stored change: `takedown` null is a restore (records written before sources were kept have none). */
export interface AvailabilityRecord {
  target: TakedownTarget;
  takedown: StoredTakedown | null;
  /** ISO-8601 UTC. */
  recordedAt: string;
}

/**
 * What a change needs of the publish journal (journal/journal-writer.ts provides it): the change is
 * built after the writer caught up, so a `--upc` names the release's tracks as of its entry.
 */
export interface AvailabilityLog {
  append(change: () => CatalogChange): Promise<unknown>;
}

export interface ChangeAvailabilityOptions {
  store: ObjectStore;
  catalog: Catalog;
  target: TakedownTarget;
  /** The takedown to make (its reason and who makes it), or null to restore. */
  takedown: TakedownRequest | null;
  now?: () => Date;
  /** The publish journal: every node following it gets the change. Absent: this catalog only. */
  journal?: AvailabilityLog;
}

/**
 * Applies the change to the catalog first, through the journal when given (it names an unknown
 * ISRC or UPC, and a takedown must take effect at once), then records it. Returns the ISRCs changed.
 */
export async function changeAvailability({ store, catalog, target, takedown: request, now = () => new Date(), journal }: ChangeAvailabilityOptions): Promise<string[]> {
  const at = now();
  const takedown: Takedown | null = request === null ? null : { ...request, at: at.toISOString() };
  let isrcs: string[];
  if (journal) {
    let resolved: string[] = [];
    await journal.append(() => {
      resolved = catalog.takedownTargets(target, takedown);
      return { kind: 'availability', isrcs: resolved, takedown, ...('upc' in target ? { upc: target.upc } : {}) };
    });
    isrcs = resolved;
  } else isrcs = catalog.setTakedown(target, takedown);
  const record: AvailabilityRecord = { target, takedown, recordedAt: at.toISOString() };
  const body = `${JSON.stringify(record, null, 2)}\n`;
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  const key = `${TAKEDOWNS_PREFIX}${stamp}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.json`;
  try {
    await store.putBytes(key, body, { contentType: 'application/json' });
  } catch (error) {
    const why = isCadenceError(error) ? error.message : String(error);
    throw new CadenceError('STORAGE', `${isrcs.join(', ')}: changed in the catalog but not recorded in ${store.url} (${why}); run the command again so reindex keeps it`, { cause: error });
  }
  return isrcs;
}

/**
 * Replays every stored change in order onto a (re)built catalog. A change naming a track or
 * release the catalog no longer has is skipped; a takedown recorded without its source gets the
 * one inferred from its reason, as migration 15 infers it (catalog/takedown-source.ts). Returns
 * how many changes were applied.
 */
export async function replayAvailability({ store, catalog }: { store: ObjectStore; catalog: Catalog }): Promise<number> {
  let applied = 0;
  for await (const { key } of store.list(TAKEDOWNS_PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const record = JSON.parse((await store.getBytes(key)).toString('utf8')) as AvailabilityRecord;
    try {
      catalog.setTakedown(record.target, record.takedown === null ? null : withTakedownSource(record.takedown));
      applied++;
    } catch (error) {
      if (!(isCadenceError(error) && error.code === 'NOT_FOUND')) throw error;
    }
  }
  return applied;
}
