// The publish protocol. Objects of one version live under `tracks/{isrc}/{version}/` and are never
// overwritten. Order matters: metadata and media first, each verified against the local file,
// the media description last. A version is complete exactly when its description exists; the
// catalog only ever points at complete versions. Facts corrected later for the same media are
// added as metadata revisions (see META_REVISIONS_DIR); the newest one is the version's meta.

import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { releaseRights } from '../catalog/default-rights.ts';
import type { ReleaseRecord, TrackRecord, VersionRecord } from '../catalog/types.ts';
import type { TrackRights } from '../listeners/rights-model.ts';
import type { MediaDescription } from '../manifests/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import { DESCRIPTION_FILE, META_FILE, META_REVISIONS_DIR, versionPrefix } from '../storage/layout.ts';

/** Catalog facts stored beside the media so `cadence reindex` can rebuild from storage alone. */
export interface VersionMeta {
  release: ReleaseRecord;
  track: TrackRecord;
  /** What the label licensed; absent (facts stored before rights were) = the release's territories and date. */
  rights?: TrackRights;
  /** Hex SHA-256 of the master; absent in versions stored before it was kept. */
  masterSha256?: string;
}

export interface StoredVersion {
  meta: VersionMeta;
  description: MediaDescription;
  /** When the description (the completing object) was written. */
  completedAt: Date;
}

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'audio/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mpd': 'application/dash+xml',
  '.json': 'application/json',
};

function contentType(name: string): string {
  return CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
}

/**
 * Reads a complete version back, or null when its description is not there (yet). `known`: the
 * version's newest facts, or their key, when the caller already has them (reindex), so they are
 * not listed or read again.
 */
export async function readStoredVersion(store: ObjectStore, isrc: string, version: string, known: { metaKey?: string; meta?: VersionMeta } = {}): Promise<StoredVersion | null> {
  const prefix = versionPrefix(isrc, version);
  const head = await store.head(`${prefix}${DESCRIPTION_FILE}`);
  if (!head) return null;
  const [meta, description] = await Promise.all([known.meta ?? readStoredMeta(store, isrc, version, known.metaKey), store.getBytes(`${prefix}${DESCRIPTION_FILE}`)]);
  if (!meta) throw new CadenceError('NOT_FOUND', `${store.url}: version ${version} of ${isrc} has a description but no ${META_FILE}`);
  return {
    meta,
    description: JSON.parse(description.toString('utf8')) as MediaDescription,
    completedAt: head.lastModified,
  };
}

/**
 * A version's facts: its newest metadata revision, or its first meta.json; null when it has none.
 * The newest is listed unless the caller already knows its key.
 */
export async function readStoredMeta(store: ObjectStore, isrc: string, version: string, metaKey?: string): Promise<VersionMeta | null> {
  const prefix = versionPrefix(isrc, version);
  let newest = metaKey ?? `${prefix}${META_FILE}`;
  if (metaKey === undefined) for await (const { key } of store.list(`${prefix}${META_REVISIONS_DIR}`)) if (isNewerMeta(key, newest)) newest = key;
  return readMetaObject(store, newest);
}

/**
 * The newest facts of a version as release `upc` lists it (a recording on several releases has a
 * metadata revision per release), or null when that release never published this version.
 * `newest`: the version's newest facts when the caller already read them (readStoredVersion), so
 * the common case (one release) lists nothing.
 */
export async function readStoredMetaFor(store: ObjectStore, isrc: string, version: string, upc: string, newest?: VersionMeta): Promise<VersionMeta | null> {
  if (newest?.release.upc === upc) return newest;
  const prefix = versionPrefix(isrc, version);
  // The store lists in key order and meta.json sorts before meta/…: oldest first.
  const keys = [`${prefix}${META_FILE}`];
  for await (const { key } of store.list(`${prefix}${META_REVISIONS_DIR}`)) keys.push(key);
  for (const key of keys.reverse()) {
    const meta = await readMetaObject(store, key);
    if (meta?.release.upc === upc) return meta;
  }
  return null;
}

export async function readMetaObject(store: ObjectStore, key: string): Promise<VersionMeta | null> {
  try {
    return JSON.parse((await store.getBytes(key)).toString('utf8')) as VersionMeta;
  } catch (error) {
    if (isCadenceError(error) && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/**
 * Whether metadata key `key` is newer than `than`. Revision names start with their UTC time, and
 * `meta/…` sorts after `meta.json`, so the greatest key is the latest.
 */
export function isNewerMeta(key: string, than: string | undefined): boolean {
  return than === undefined || key > than;
}

export interface UploadVersionOptions {
  store: ObjectStore;
  isrc: string;
  version: string;
  /** The packaged folder (from packageMaster). */
  folder: string;
  meta: VersionMeta;
  signal?: AbortSignal;
  onProgress?: (uploaded: number, total: number) => void;
}

/** Uploads a packaged folder: everything, verified, then the description to complete it. */
export async function uploadVersion(options: UploadVersionOptions): Promise<void> {
  const { store, isrc, version, folder, meta, signal, onProgress } = options;
  const prefix = versionPrefix(isrc, version);
  const media = (await readdir(folder)).filter((name) => name !== DESCRIPTION_FILE).sort();
  const total = media.length + 2;
  let uploaded = 0;
  const step = (): void => onProgress?.(++uploaded, total);

  await writeMeta(store, `${prefix}${META_FILE}`, meta, signal);
  step();
  for (const name of media) {
    const put = await store.putFile(`${prefix}${name}`, join(folder, name), { contentType: contentType(name), signal });
    await verifyStored(store, `${prefix}${name}`, put);
    step();
  }
  const descriptionPut = await store.putFile(`${prefix}${DESCRIPTION_FILE}`, join(folder, DESCRIPTION_FILE), {
    contentType: 'application/json',
    signal,
  });
  await verifyStored(store, `${prefix}${DESCRIPTION_FILE}`, descriptionPut);
  step();
}

/** Writes a version's first meta.json, verified. */
async function writeMeta(store: ObjectStore, key: string, meta: VersionMeta, signal?: AbortSignal): Promise<void> {
  const put = await store.putBytes(key, `${JSON.stringify(meta, null, 2)}\n`, { contentType: 'application/json', signal });
  await verifyStored(store, key, put);
}

/**
 * Adds corrected facts for a stored version's media (nothing else of the version changes). Named
 * by time, so a later correction sorts last even when it restores earlier facts.
 */
export async function addMetaRevision(store: ObjectStore, isrc: string, version: string, meta: VersionMeta, signal?: AbortSignal): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const hash = createHash('sha256').update(JSON.stringify(meta)).digest('hex').slice(0, 12);
  await writeMeta(store, `${versionPrefix(isrc, version)}${META_REVISIONS_DIR}${stamp}-${hash}.json`, meta, signal);
}

/** Whether two sets of catalog facts say the same thing (field by field, whatever else they carry). */
export function sameMeta(a: VersionMeta, b: VersionMeta): boolean {
  return JSON.stringify(factsOf(a)) === JSON.stringify(factsOf(b));
}

function factsOf({ release, track, rights }: VersionMeta): unknown[] {
  // Rights as they take effect, so old facts and the same facts written out compare equal.
  const { territories, excludedTerritories, startsAt, endsAt, tiers } = rights ?? releaseRights(release);
  return [
    [territories, excludedTerritories, startsAt, endsAt, tiers],
    // No cover field (facts written before covers were kept) is the same as none.
    [release.upc, release.label, release.title, release.artists, release.releaseDate, release.genre, release.territories, release.cover?.sha256 ?? null, release.cover?.extension ?? null],
    // No aliases field (facts written before they were kept) is the same as none.
    [...(release.aliases ?? [])].sort(),
    [track.isrc, track.upc, track.title, track.artists, track.trackNumber, track.discNumber, track.explicit],
    // Absent (facts written before recordings carried them) is the same as none given.
    [track.genre ?? null, (track.credits ?? []).map(({ name, role }) => [name, role]), track.pLine ? [track.pLine.year, track.pLine.text] : null],
  ];
}

/** Reads the object's facts back from the store: what is there must be what we sent. */
async function verifyStored(store: ObjectStore, key: string, sent: { size: number; sha256: string }): Promise<void> {
  const stored = await store.head(key);
  if (!stored || stored.size !== sent.size || (stored.sha256 !== null && stored.sha256 !== sent.sha256)) {
    throw new CadenceError(
      'STORAGE',
      `${store.url} ${key}: stored object does not match what was uploaded (${stored ? `${stored.size} bytes` : 'missing'}, expected ${sent.size})`,
    );
  }
}

export function versionRecord(isrc: string, version: string, stored: StoredVersion): VersionRecord {
  const { description } = stored;
  return {
    isrc,
    version,
    durationSeconds: description.duration,
    loudness: description.loudness,
    renditions: description.renditions.map((rendition) => ({
      id: rendition.id,
      codec: rendition.codec,
      codecs: rendition.codecs,
      sampleRate: rendition.sampleRate,
      channels: rendition.channels,
      bitDepth: rendition.bitDepth,
      averageBitrate: rendition.averageBitrate,
      peakBitrate: rendition.peakBitrate,
    })),
    publishedAt: stored.completedAt.toISOString(),
    masterSha256: stored.meta.masterSha256 ?? null,
  };
}
