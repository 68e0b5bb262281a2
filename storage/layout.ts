// Where a published version's objects live. Shared by the pipeline (which writes them) and the
// origin (which reads them); keys only, no I/O.

export const TRACKS_PREFIX = 'tracks/';
/** Catalog facts (release, track) stored with the media, so the catalog can be rebuilt. */
export const META_FILE = 'meta.json';
/**
 * Later facts for the same media (a label re-delivered the master with a corrected title, say):
 * objects are never overwritten, so each correction is a new `meta/<UTC time>-<hash>.json`, and
 * the last name wins over meta.json.
 */
export const META_REVISIONS_DIR = 'meta/';
/** The media description; written last, so its presence marks a complete version. */
export const DESCRIPTION_FILE = 'description.json';
/**
 * Availability changes (`cadence takedown` / `restore`): one create-only record per change,
 * `takedowns/<UTC time>-<hash>.json`, replayed in key order by `cadence reindex` (newest wins).
 */
export const TAKEDOWNS_PREFIX = 'takedowns/';
/**
 * Tracks taken off a release (a DDEX update that no longer lists them): one create-only record per
 * change, `release-removals/<UTC time>-<hash>.json`, replayed in key order by `cadence reindex`
 * (pipeline/release-removals.ts).
 */
export const RELEASE_REMOVALS_PREFIX = 'release-removals/';
/**
 * DDEX messages seen per release (`ddex-messages/{upc}/<created time>-<hash>.json`), create-only:
 * whether each was applied or arrived after a newer one, so every node and every later ingest
 * applies a release's messages in MessageCreatedDateTime order (pipeline/ddex-message-log.ts).
 */
export const DDEX_MESSAGES_PREFIX = 'ddex-messages/';

export function ddexMessagesPrefix(upc: string): string {
  return `${DDEX_MESSAGES_PREFIX}${upc}/`;
}

export const MULTIVARIANT_PLAYLIST = 'master.m3u8';
export const DASH_MANIFEST = 'manifest.mpd';

export function versionPrefix(isrc: string, version: string): string {
  return `${TRACKS_PREFIX}${isrc}/${version}/`;
}

/**
 * Masters handed to queue workers on other machines: named by their SHA-256, so a key is written
 * once (create-only) and a re-run uploads nothing already there. The extension keeps the format
 * visible to tools; the content is sniffed again before use.
 */
export const MASTERS_PREFIX = 'masters/';

export function masterKey(sha256: string, extension: string): string {
  return `${MASTERS_PREFIX}${sha256}.${extension.replace(/^\./, '').toLowerCase()}`;
}

/** The publish journal: numbered, create-only entries (journal/). Zero-padded so keys sort by number. */
export const JOURNAL_ENTRIES_PREFIX = 'journal/entries/';
/** Whole-catalog copies named by the journal position they include. */
export const JOURNAL_SNAPSHOTS_PREFIX = 'journal/snapshots/';

export function journalEntryKey(number: number): string {
  return `${JOURNAL_ENTRIES_PREFIX}${String(number).padStart(12, '0')}.json`;
}

export function journalSnapshotKey(number: number): string {
  return `${JOURNAL_SNAPSHOTS_PREFIX}${String(number).padStart(12, '0')}.db`;
}

/** Release-level objects (cover art), beside the per-track versions. */
export const RELEASES_PREFIX = 'releases/';

/** The original cover as delivered, content-addressed: `releases/{upc}/cover/<sha256>.<ext>`. */
export function coverOriginalKey(upc: string, sha256: string, extension: 'jpg' | 'png'): string {
  return `${RELEASES_PREFIX}${upc}/cover/${sha256}.${extension}`;
}

// The release id: a UPC/EAN, `grid:…` or `proprietary:…:…` (catalog/release-id.ts).
const COVER_ORIGINAL = /^releases\/([0-9]{12,13}|grid:A1[0-9A-Z]{16}|proprietary:[A-Za-z0-9._-]{1,64}:[A-Za-z0-9._-]{1,64})\/cover\/([0-9a-f]{64})\.(jpg|png)$/;

/** The parts of a cover original key, or null when `key` is not one. */
export function parseCoverOriginalKey(key: string): { upc: string; sha256: string; extension: 'jpg' | 'png' } | null {
  const match = COVER_ORIGINAL.exec(key);
  return match ? { upc: match[1]!, sha256: match[2]!, extension: match[3] as 'jpg' | 'png' } : null;
}

/** A square JPEG rendition of a cover original, made once and shared by every origin node. */
export function coverRenditionKey(originalKey: string, size: number): string {
  return `${originalKey.replace(/\.(jpg|png)$/, '')}-${size}.jpg`;
}
