// `cadence reindex`: rebuilds the catalog from object storage alone. Every complete version
// (one with a description) is found; each track points at its most recently completed one.

import type { Catalog } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { DESCRIPTION_FILE, META_FILE, META_REVISIONS_DIR, TRACKS_PREFIX } from '../storage/layout.ts';
import { isNewerMeta, readStoredVersion, versionRecord } from './publish.ts';
import { replayAvailability } from './takedown-records.ts';

export interface StoredVersionRef {
  isrc: string;
  version: string;
  /** Newest object in the version, or when its description was written if complete. */
  lastModified: Date;
  complete: boolean;
  /** Its newest metadata key, as readStoredMeta would find it (so reading it lists nothing again). */
  metaKey?: string;
}

/** Lists every version prefix under `tracks/` with its completeness. */
export async function listStoredVersions(store: ObjectStore): Promise<StoredVersionRef[]> {
  const versions = new Map<string, StoredVersionRef>();
  for await (const object of store.list(TRACKS_PREFIX)) {
    const [isrc, version, name] = object.key.slice(TRACKS_PREFIX.length).split('/');
    if (!isrc || !version || !name) continue;
    const id = `${isrc}/${version}`;
    const entry: StoredVersionRef = versions.get(id) ?? { isrc, version, lastModified: object.lastModified, complete: false };
    if (name === DESCRIPTION_FILE) entry.complete = true;
    const isMeta = name === META_FILE || `${name}/` === META_REVISIONS_DIR;
    if (isMeta && isNewerMeta(object.key, entry.metaKey)) entry.metaKey = object.key;
    if (object.lastModified > entry.lastModified) entry.lastModified = object.lastModified;
    versions.set(id, entry);
  }
  return [...versions.values()];
}

export interface ReindexReport {
  tracks: number;
  versions: number;
  incomplete: number;
  /** Takedowns and restores replayed from storage. */
  availabilityChanges: number;
}

export async function reindexCatalog(options: { store: ObjectStore; catalog: Catalog }): Promise<ReindexReport> {
  const { store, catalog } = options;
  const versions = await listStoredVersions(store);
  const complete = versions.filter((version) => version.complete);
  const newest = new Map<string, StoredVersionRef>();
  for (const version of complete) {
    const current = newest.get(version.isrc);
    if (!current || version.lastModified > current.lastModified) newest.set(version.isrc, version);
  }
  for (const { isrc, version, metaKey } of newest.values()) {
    const stored = await readStoredVersion(store, isrc, version, metaKey);
    if (!stored) continue; // removed since the listing
    catalog.publish({ release: stored.meta.release, track: stored.meta.track, rights: stored.meta.rights, version: versionRecord(isrc, version, stored) });
  }
  // After every track is back: a takedown record names tracks the catalog must already hold.
  const availabilityChanges = await replayAvailability({ store, catalog });
  return { tracks: newest.size, versions: complete.length, incomplete: versions.length - complete.length, availabilityChanges };
}
