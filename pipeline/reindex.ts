// `cadence reindex`: rebuilds the catalog from object storage alone. Every complete version
// (one with a description) is found; each track points at its most recently completed one, is
// owned by the release that first published it, and sits on every release whose facts any of its
// versions recorded (a recording on a single and an album keeps both), unless a stored removal
// took it off that release since (pipeline/release-removals.ts).

import PQueue from 'p-queue';
import { withKnownAliases } from '../catalog/release-id.ts';
import type { Catalog, PublishInput } from '../catalog/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { isCadenceError } from '../errors/cadence-error.ts';
import { DESCRIPTION_FILE, META_FILE, META_REVISIONS_DIR, TRACKS_PREFIX } from '../storage/layout.ts';
import { isNewerMeta, readMetaObject, readStoredVersion, type VersionMeta, versionRecord } from './publish.ts';
import type { Logger } from './types.ts';
import { silentLogger } from './types.ts';
import { replayRemovals } from './release-removals.ts';
import { replayAvailability } from './takedown-records.ts';


export interface StoredVersionRef {
  isrc: string;
  version: string;
  /** Newest object in the version, or when its description was written if complete. */
  lastModified: Date;
  complete: boolean;
  /** Its newest metadata key, as readStoredMeta would find it (so reading it lists nothing again). */
  metaKey?: string;
  /** Every metadata object (meta.json and revisions) with when it was written. */
  metas: Array<{ key: string; lastModified: Date }>;
}

/** Lists every version prefix under `tracks/` with its completeness. */
export async function listStoredVersions(store: ObjectStore): Promise<StoredVersionRef[]> {
  const versions = new Map<string, StoredVersionRef>();
  for await (const object of store.list(TRACKS_PREFIX)) {
    const [isrc, version, name] = object.key.slice(TRACKS_PREFIX.length).split('/');
    if (!isrc || !version || !name) continue;
    const id = `${isrc}/${version}`;
    const entry: StoredVersionRef = versions.get(id) ?? { isrc, version, lastModified: object.lastModified, complete: false, metas: [] };
    if (name === DESCRIPTION_FILE) entry.complete = true;
    const isMeta = name === META_FILE || `${name}/` === META_REVISIONS_DIR;
    if (isMeta) {
      entry.metas.push({ key: object.key, lastModified: object.lastModified });
      if (isNewerMeta(object.key, entry.metaKey)) entry.metaKey = object.key;
    }
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
  /** Tracks taken off a release by stored removals (DDEX updates that no longer list them). */
  releaseRemovals: number;
  /** Tracks left out because their stored facts name two labels (see the log). */
  conflicts: number;
}

/** Tracks read from storage at once: reads are latency-bound, most of all on S3. */
const READS_AT_ONCE = 16;
/** Tracks published per catalog transaction: one commit (and WAL sync) per track was most of the time. */
const TRACKS_PER_TRANSACTION = 200;

export async function reindexCatalog(options: { store: ObjectStore; catalog: Catalog; logger?: Logger }): Promise<ReindexReport> {
  const { store, catalog, logger = silentLogger } = options;
  const versions = await listStoredVersions(store);
  const complete = versions.filter((version) => version.complete);
  const byTrack = new Map<string, StoredVersionRef[]>();
  for (const version of complete) byTrack.set(version.isrc, [...(byTrack.get(version.isrc) ?? []), version]);

  let tracks = 0;
  let conflicts = 0;
  const factsAt = new Map<string, Date>();
  const reads = new PQueue({ concurrency: READS_AT_ONCE });
  const all = [...byTrack];
  for (let start = 0; start < all.length; start += TRACKS_PER_TRANSACTION) {
    const batch = all.slice(start, start + TRACKS_PER_TRANSACTION);
    // Read in parallel (object storage answers in milliseconds, each track needs several reads),
    // publish in the listing's order.
    const inputs = (await Promise.all(batch.map(([isrc, trackVersions]) => reads.add(() => trackInputs(store, isrc, trackVersions))))).filter(
      (input): input is TrackInputs => input !== null && input !== undefined,
    );
    for (const track of inputs) for (const [upc, at] of track.storedAt) factsAt.set(`${track.isrc}\n${upc}`, at);
    try {
      catalog.publishMany(inputs.flatMap((track) => track.inputs));
      tracks += inputs.length;
    } catch (error) {
      if (!isConflict(error)) throw error;
      // The batch rolled back whole: publish its tracks one by one to leave out only the conflicting.
      for (const track of inputs) {
        try {
          catalog.publishMany(track.inputs);
          tracks += 1;
        } catch (single) {
          if (!isConflict(single)) throw single;
          conflicts += 1;
          logger.warn({ isrc: track.isrc, err: single }, 'stored facts of this track name more than one owner; left out');
        }
      }
    }
  }
  // After every track is back: a takedown record names tracks the catalog must already hold.
  const availabilityChanges = await replayAvailability({ store, catalog });
  // Last: a track on no release after this was taken down when it was removed (a record above).
  const releaseRemovals = await replayRemovals({ store, catalog, storedAt: (isrc, upc) => factsAt.get(`${isrc}\n${upc}`) ?? null });
  return { tracks, versions: complete.length, incomplete: versions.length - complete.length, conflicts, availabilityChanges, releaseRemovals };
}

interface TrackInputs {
  isrc: string;
  /** One publish per release the track is on, the owning release first. */
  inputs: PublishInput[];
  /** When facts for each release were last stored (for replayRemovals). */
  storedAt: Map<string, Date>;
}

/** What publishing one track back takes, read from storage; null when its newest version went away since the listing. */
async function trackInputs(store: ObjectStore, isrc: string, trackVersions: StoredVersionRef[]): Promise<TrackInputs | null> {
  const newest = trackVersions.reduce((a, b) => (b.lastModified > a.lastModified ? b : a));
  const { releases, byKey, storedAt } = await factsPerRelease(store, trackVersions);
  const stored = await readStoredVersion(store, isrc, newest.version, { metaKey: newest.metaKey, meta: newest.metaKey === undefined ? undefined : byKey.get(newest.metaKey) });
  if (!stored) return null;
  const version = versionRecord(isrc, newest.version, stored);
  return { isrc, inputs: releases.map((meta): PublishInput => ({ release: meta.release, track: meta.track, rights: meta.rights, version })), storedAt };
}

function isConflict(error: unknown): boolean {
  return isCadenceError(error) && error.code === 'CONFLICT';
}

/**
 * The newest facts per release across all of a track's versions, in publishing order: the release
 * that first published the track (its owner) first, then the others by when their facts were last
 * written, so the recording's own facts end as the newest say.
 */
async function factsPerRelease(store: ObjectStore, versions: StoredVersionRef[]): Promise<{ releases: VersionMeta[]; byKey: Map<string, VersionMeta>; storedAt: Map<string, Date> }> {
  const metas = versions.flatMap((version) => version.metas).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime() || (isNewerMeta(a.key, b.key) ? 1 : -1));
  const byKey = new Map<string, VersionMeta>();
  const newestPerRelease = new Map<string, VersionMeta>();
  /** When facts for each release were last stored. */
  const storedAt = new Map<string, Date>();
  let owner: VersionMeta | null = null;
  for (const { key, lastModified } of metas) {
    const meta = await readMetaObject(store, key);
    if (!meta) continue;
    byKey.set(key, meta);
    const last = storedAt.get(meta.release.upc);
    if (!last || lastModified > last) storedAt.set(meta.release.upc, lastModified);
    owner ??= meta;
    newestPerRelease.delete(meta.release.upc); // re-inserted last: Map keeps insertion order
    newestPerRelease.set(meta.release.upc, meta);
  }
  if (!owner) return { releases: [], byKey, storedAt };
  // A release's aliases are every one any of its stored facts named, as the catalog keeps them
  // (catalog/release-alias-statements.ts): newer facts without them (a JSON delivery) forget none.
  const aliases = new Map<string, string[]>();
  for (const meta of byKey.values()) aliases.set(meta.release.upc, [...(aliases.get(meta.release.upc) ?? []), ...(meta.release.aliases ?? [])]);
  const withAliases = (meta: VersionMeta): VersionMeta => ({ ...meta, release: withKnownAliases(meta.release, aliases.get(meta.release.upc)) });
  return { releases: [newestPerRelease.get(owner.release.upc)!, ...newestPerRelease.values()].map(withAliases), byKey, storedAt };
}
