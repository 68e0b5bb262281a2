// GET /v1/releases/{upc}/cover?size=N: a release's cover in a few square JPEG sizes.
//
// Sizes: only `sizes` (default 160, 320, 640, 1280) are served; no `size` means 640; any other
// value is a 400 naming the allowed ones, so a CDN caches a handful of variants per release and a
// client cannot make the origin render arbitrary sizes. Never larger than the original (a 640
// original answers 1280 with 640 pixels). Non-square originals are cropped to the centre square.
//
// Each size is rendered once with sharp, stored back create-only under
// `releases/{upc}/cover/<sha256>-<size>.jpg` so other nodes reuse it (two nodes racing both get
// the first one stored), and kept in a byte-bounded memory cache.
//
// Caching: ETag is the SHA-256 of the served bytes (strong); If-None-Match → 304. The URL names a
// release, not a cover version, so a plain request is cached briefly (`max-age=300`, shared caches
// a day, served stale while revalidating); a request carrying `v=<first 16 hex of the cover's
// SHA-256>` (what `coverUrl` builds for track and search answers) names one version and is
// `immutable` for a year. A stale `v` gets the current cover with the short policy.
//
// A release named by another of its ids (an ICPN learned after it was first known by its GRid:
// ReleaseRecord.aliases) is redirected (308, query kept) to the URL under its id, the one answers
// carry: a CDN caches per URL, so each rendered size is cached once per release rather than once per
// id, under one ETag and one cache policy. The redirect itself may be cached a day: an id never
// moves to another release.
//
// Rights: before the release's first track starts and after its last track's rights end, the cover
// is not public (404: `coverKeyOf` answers null before the start, `shownUntil` has passed after the
// end); no answer's cache policy outlives that end, so a CDN does not keep a cover a year past the
// licence.
//
// Takedowns: once every track of the release is taken down (`refuseRelease`, origin/release-gate.ts,
// asked under the release's own id after any redirect) the cover is a 410 `release_taken_down`
// like a track's `taken_down`, cached briefly (`goneCacheControl`) so a restore shows; the CDN's
// copies are purged by `cadence takedown`.

import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import sharp from 'sharp';
import { isReleaseIdShape } from '../catalog/release-id.ts';
import { isCadenceError } from '../errors/cadence-error.ts';
import { coverRenditionKey, parseCoverOriginalKey } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { ReleaseRefusal } from '../listeners/release-takedown.ts';
import { ByteCache } from './byte-cache.ts';
import { coverPath } from './cover-path.ts';
import { cappedCacheControl } from './capped-cache-control.ts';
import type { OriginLogger } from './types.ts';

export const COVER_SIZES = [160, 320, 640, 1280] as const;
export const DEFAULT_COVER_SIZE = 640;
const VERSION_HEX = 16;

export interface CoverRouteOptions {
  store: ObjectStore;
  /**
   * The stored original's key for a release named by any of its ids (`releases/{id}/cover/<sha256>.<ext>`,
   * under the release's own id), or null.
   */
  coverKeyOf: (upc: string) => Promise<string | null>;
  sizes?: readonly number[];
  defaultSize?: number;
  /** Memory for rendered sizes (default 32 MiB). */
  cacheBytes?: number;
  /** Cache-Control for unversioned URLs. */
  shortCacheControl?: string;
  /** Cache-Control for URLs carrying the current `v`. */
  versionedCacheControl?: string;
  /** Cache-Control of the redirect from another of a release's ids to its own. */
  redirectCacheControl?: string;
  /** Why the release's cover may not be shown any more (every track taken down), or null. */
  refuseRelease?: (upc: string) => ReleaseRefusal | null;
  /** Cache-Control of that 410: short, so a restore is seen (nginx never stores it anyway). */
  goneCacheControl?: string;
  /**
   * Until when (epoch ms) the release's cover may be shown: the end of its last track's rights, or
   * Infinity. No cache policy of an answer reaches past it (capped-cache-control.ts).
   */
  shownUntil?: (upc: string) => number;
  now?: () => Date;
  logger?: OriginLogger;
}

/** The versioned, CDN-immutable URL path of a cover (track and search answers carry this). */
export function coverUrl(upc: string, sha256: string, size: number = DEFAULT_COVER_SIZE): string {
  return `${coverPath(upc)}?size=${size}&v=${sha256.slice(0, VERSION_HEX)}`;
}

/**
 * The cover URL track and search answers carry (absolute under `publicUrl`, the CDN's, when set),
 * or null when the release has no cover.
 */
export function releaseCoverUrl(publicUrl: string | null, upc: string, sha256: string | null | undefined): string | null {
  if (!sha256 || !isReleaseIdShape(upc)) return null;
  return `${publicUrl?.replace(/\/+$/, '') ?? ''}${coverUrl(upc, sha256)}`;
}

/** RFC 9110 §13.1.2: weak comparison; `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => bare(tag) === etag);
}

function jsonError(c: Context, status: 400 | 404 | 410 | 500 | 503, error: string, message: string, { cacheControl = 'no-store', details = {} }: { cacheControl?: string; details?: Record<string, string> } = {}): Response {
  c.header('Cache-Control', cacheControl);
  return c.json({ error, message, ...details }, status);
}

export function createCoverRoute(options: CoverRouteOptions): Hono {
  const {
    store,
    coverKeyOf,
    sizes = COVER_SIZES,
    defaultSize = DEFAULT_COVER_SIZE,
    cacheBytes = 32 * 1024 * 1024,
    shortCacheControl = 'public, max-age=300, s-maxage=86400, stale-while-revalidate=86400',
    versionedCacheControl = 'public, max-age=31536000, immutable',
    redirectCacheControl = 'public, max-age=86400',
    refuseRelease = () => null,
    goneCacheControl = 'public, max-age=60',
    shownUntil = () => Infinity,
    now = () => new Date(),
    logger,
  } = options;
  const cache = new ByteCache({ maxBytes: cacheBytes, maxEntryBytes: Math.floor(cacheBytes / 4) });
  const etags = new Map<string, string>();

  async function storedOrNull(key: string): Promise<Buffer | null> {
    try {
      return await store.getBytes(key);
    } catch (error) {
      if (isCadenceError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  async function render(originalKey: string, size: number): Promise<Uint8Array> {
    const key = coverRenditionKey(originalKey, size);
    const stored = await storedOrNull(key);
    if (stored) return stored;
    const original = await storedOrNull(originalKey);
    if (!original) throw Object.assign(new Error(`cover original ${originalKey} is missing`), { missing: true });
    const bytes = await sharp(original, { limitInputPixels: 12_000 * 12_000 })
      .rotate() // honour EXIF orientation before cropping
      .resize(size, size, { fit: 'cover', position: 'centre', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, progressive: true, mozjpeg: true })
      .toBuffer();
    try {
      await store.putBytes(key, bytes, { contentType: 'image/jpeg' });
    } catch (error) {
      // Another node stored its rendering first: serve that one, so every node's ETag agrees.
      if (isCadenceError(error) && error.code === 'CONFLICT') return (await storedOrNull(key)) ?? bytes;
      throw error;
    }
    logger?.info({ key, bytes: bytes.length }, 'cover size rendered');
    return bytes;
  }

  const app = new Hono();
  app.get('/v1/releases/:upc/cover', async (c) => {
    const upc = c.req.param('upc');
    if (!isReleaseIdShape(upc)) return jsonError(c, 400, 'bad_request', 'the release must be named by its UPC/EAN (12 or 13 digits), grid:<GRid> or proprietary:<namespace>:<id>');
    const sizeText = c.req.query('size');
    const size = sizeText === undefined ? defaultSize : Number(sizeText);
    if (!/^[0-9]+$/.test(sizeText ?? String(defaultSize)) || !sizes.includes(size)) {
      return jsonError(c, 400, 'bad_request', `size must be one of ${sizes.join(', ')}`);
    }
    let originalKey: string | null;
    try {
      originalKey = await coverKeyOf(upc);
    } catch (error) {
      logger?.error({ err: error, upc }, 'cover lookup failed');
      return jsonError(c, 503, 'unavailable', 'the catalog is unavailable');
    }
    const parsed = originalKey ? parseCoverOriginalKey(originalKey) : null;
    if (!originalKey || !parsed) return jsonError(c, 404, 'not_found', `release ${upc} has no cover`);
    if (parsed.upc !== upc) {
      const query = new URL(c.req.url).search;
      c.header('Cache-Control', redirectCacheControl);
      return c.redirect(`${coverPath(parsed.upc)}${query}`, 308);
    }

    let refusal: ReleaseRefusal | null;
    try {
      refusal = refuseRelease(parsed.upc);
    } catch (error) {
      logger?.error({ err: error, upc }, 'release availability lookup failed');
      return jsonError(c, 503, 'unavailable', 'the catalog is unavailable');
    }
    if (refusal) return jsonError(c, refusal.status, refusal.error, refusal.message, { cacheControl: goneCacheControl, details: refusal.details });
    const secondsShown = (shownUntil(parsed.upc) - now().getTime()) / 1000;
    if (secondsShown <= 0) return jsonError(c, 404, 'not_found', `release ${upc} has no cover`);

    const renditionKey = coverRenditionKey(originalKey, size);
    let bytes: Uint8Array;
    try {
      ({ value: bytes } = await cache.getOrLoad(renditionKey, () => render(originalKey, size)));
    } catch (error) {
      if ((error as { missing?: boolean }).missing) {
        logger?.warn({ upc, key: originalKey }, 'cover original missing from storage');
        return jsonError(c, 404, 'not_found', `release ${upc} has no cover`);
      }
      logger?.error({ err: error, upc, key: renditionKey }, 'cover rendering failed');
      return jsonError(c, isCadenceError(error) && error.code === 'STORAGE' ? 503 : 500, 'internal', 'the cover could not be served');
    }
    let etag = etags.get(renditionKey);
    if (!etag) {
      etag = `"${createHash('sha256').update(bytes).digest('hex')}"`;
      if (etags.size > 10_000) etags.clear();
      etags.set(renditionKey, etag);
    }
    const version = c.req.query('v');
    c.header('ETag', etag);
    const policy = version !== undefined && version === parsed.sha256.slice(0, VERSION_HEX) ? versionedCacheControl : shortCacheControl;
    c.header('Cache-Control', cappedCacheControl(policy, secondsShown));
    if (matchesIfNoneMatch(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
    c.header('Content-Type', 'image/jpeg');
    c.header('Content-Length', String(bytes.byteLength));
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200);
  });
  return app;
}
