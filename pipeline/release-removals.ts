// Tracks taken off a release (a DDEX update that no longer lists them). Given the publish journal,
// the change is one journal entry (every origin node following the journal applies it, this catalog
// at once); without one, only this catalog changes. Either way it is recorded in object storage, as
// takedowns are (pipeline/takedown-records.ts), so that `cadence reindex` ends with the same track
// lists: reindex puts a track on every release any of its stored facts name, then replays these
// records, and a record takes a track off only when no facts for that release were stored after it
// (pipeline/track-ingest.ts stores them again whenever a track comes back onto a release). Times
// compared are both the store's own (object lastModified). No media is touched.

import { createHash } from 'node:crypto';
import type { Catalog, CatalogChange, ReleaseRemoval } from '../catalog/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import { RELEASE_REMOVALS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';

export interface RemovalRecord {
  upc: string;
  isrcs: string[];
  /** Why (e.g. the DDEX message that no longer lists them): for the record only. */
  cause: string;
  /** ISO-8601 UTC. */
  recordedAt: string;
}

/** What the change needs of the publish journal (journal/journal-writer.ts provides it). */
export interface MembershipLog {
  append(change: () => CatalogChange): Promise<unknown>;
}

export interface RemoveFromReleaseOptions {
  store: ObjectStore;
  catalog: Catalog;
  upc: string;
  isrcs: string[];
  cause: string;
  now?: () => Date;
  journal?: MembershipLog;
}

/** Applies the removal (through the journal when given), then records it. Returns what it changed here. */
export async function removeTracksFromRelease({ store, catalog, upc, isrcs, cause, now = () => new Date(), journal }: RemoveFromReleaseOptions): Promise<ReleaseRemoval> {
  const at = now();
  let removal: ReleaseRemoval;
  if (journal) {
    // Owners before and after this node applied the entry: the same catalog decides both.
    const before = new Map(isrcs.map((isrc) => [isrc, catalog.getTrack(isrc)]));
    await journal.append(() => ({ kind: 'release-tracks', upc, removed: isrcs }));
    removal = { removed: [], moved: [], onNoRelease: [] };
    for (const isrc of isrcs) {
      const was = before.get(isrc);
      const after = catalog.getTrack(isrc);
      if (!was?.releases.some((r) => r.upc === upc) || !after) continue;
      removal.removed.push(isrc);
      if (after.releases.length === 0) removal.onNoRelease.push(isrc);
      else if (was.upc !== after.upc) removal.moved.push({ isrc, upc: after.upc });
    }
  } else removal = catalog.removeFromRelease(upc, isrcs);

  const record: RemovalRecord = { upc, isrcs, cause, recordedAt: at.toISOString() };
  const body = `${JSON.stringify(record, null, 2)}\n`;
  const key = `${RELEASE_REMOVALS_PREFIX}${at.toISOString().replace(/[-:.]/g, '')}-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.json`;
  try {
    await store.putBytes(key, body, { contentType: 'application/json' });
  } catch (error) {
    const why = isCadenceError(error) ? error.message : String(error);
    throw new CadenceError('STORAGE', `${isrcs.join(', ')}: taken off release ${upc} in the catalog but not recorded in ${store.url} (${why}); apply the message again so reindex keeps it`, { cause: error });
  }
  return removal;
}

/** When facts for (track, release) were last stored: `storedAt(isrc, upc)`, or null when never. */
export type FactsStoredAt = (isrc: string, upc: string) => Date | null;

/**
 * Replays every stored removal, in order, onto a rebuilt catalog. A track whose facts for that
 * release were stored after the record came back onto it, and stays. Returns how many tracks left a release.
 */
export async function replayRemovals({ store, catalog, storedAt }: { store: ObjectStore; catalog: Catalog; storedAt: FactsStoredAt }): Promise<number> {
  let removed = 0;
  for await (const { key, lastModified } of store.list(RELEASE_REMOVALS_PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const record = JSON.parse((await store.getBytes(key)).toString('utf8')) as RemovalRecord;
    const gone = record.isrcs.filter((isrc) => {
      const stored = storedAt(isrc, record.upc);
      return stored === null || stored <= lastModified;
    });
    if (gone.length > 0) removed += catalog.removeFromRelease(record.upc, gone).removed.length;
  }
  return removed;
}
