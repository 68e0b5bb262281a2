// Catalog snapshots in object storage, so a new origin node starts from a recent copy and applies
// only the entries after it. A snapshot is named by the journal position it includes, read from
// the copy itself (another process may apply entries while it is taken).

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import type { ObjectStore } from '../storage/types.ts';
import { JOURNAL_SNAPSHOTS_PREFIX, journalSnapshotKey } from '../storage/layout.ts';

export interface SnapshotInfo {
  key: string;
  /** The journal position the snapshot includes. */
  position: number;
  bytes: number;
}

/** Copies the catalog (VACUUM INTO, a consistent read) and stores it create-only. */
export async function writeSnapshot({ store, catalog }: { store: ObjectStore; catalog: Catalog }): Promise<SnapshotInfo> {
  const folder = await mkdtemp(join(tmpdir(), 'cadence-snapshot-'));
  try {
    const copy = join(folder, 'catalog.db');
    catalog.snapshotTo(copy);
    const position = positionOf(copy);
    const key = journalSnapshotKey(position);
    const put = await store.putFile(key, copy, { contentType: 'application/vnd.sqlite3' });
    return { key, position, bytes: put.size };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The journal position a catalog file holds; `migrate` opens it read-write to bring its schema current. */
function positionOf(path: string, { migrate = false } = {}): number {
  const copy = openCatalog(path, { readonly: !migrate });
  try {
    return copy.journalPosition().number;
  } finally {
    copy.close();
  }
}

/** The newest snapshot in storage, or null. */
export async function latestSnapshot(store: ObjectStore): Promise<SnapshotInfo | null> {
  let latest: SnapshotInfo | null = null;
  for await (const { key, size } of store.list(JOURNAL_SNAPSHOTS_PREFIX)) {
    const position = Number(key.slice(JOURNAL_SNAPSHOTS_PREFIX.length).replace(/\.db$/, ''));
    if (Number.isInteger(position) && (!latest || position > latest.position)) latest = { key, position, bytes: size };
  }
  return latest;
}

/**
 * Puts the newest snapshot in place of a catalog file that does not exist yet (a new node). A node
 * with a catalog of its own keeps it and catches up from the journal instead. Returns the
 * snapshot restored, or null.
 */
export async function restoreSnapshotIfNew({ store, catalogPath }: { store: ObjectStore; catalogPath: string }): Promise<SnapshotInfo | null> {
  if (await stat(catalogPath).then(() => true, () => false)) return null;
  const snapshot = await latestSnapshot(store);
  if (!snapshot) return null;
  // As opening a catalog does, the catalog's folder is made when it is not there yet.
  await mkdir(dirname(catalogPath), { recursive: true });
  const partial = join(dirname(catalogPath), `.${process.pid}.snapshot-download`);
  try {
    const { body } = await store.get(snapshot.key);
    await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
    // The download is this node's own copy: a snapshot an older release wrote is migrated here, and
    // anything that is not a catalog (or one newer code wrote) is refused before it takes the place.
    try {
      positionOf(partial, { migrate: true });
    } catch (cause) {
      // Name the snapshot, not the scratch file it was downloaded to.
      const why = cause instanceof Error ? cause.message.replaceAll(`catalog ${partial}`, 'it').replaceAll(partial, 'it') : String(cause);
      throw new CadenceError('CATALOG', `the newest catalog snapshot ${snapshot.key} cannot start ${catalogPath}: ${why}`, { cause });
    }
    await rename(partial, catalogPath);
    return snapshot;
  } finally {
    await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(`${partial}${suffix}`, { force: true })));
  }
}
