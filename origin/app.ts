// The origin: a hono app over the catalog and object storage. Routes:
//   GET /v1/tracks/:isrc            track metadata
//   GET /v1/tracks/:isrc/playback   signed manifest URLs (or 403/404/451 with a JSON reason)
//   GET /v1/search?q=&limit=&genre=&artist=   catalog search, best first
//   GET|HEAD /media/:token/:isrc/:version/*   manifests, rendition files, byte ranges, segments
//   GET /healthz, GET /metrics

import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { Catalog } from '../catalog/types.ts';
import { CadenceError, isCadenceError } from '../errors/cadence-error.ts';
import type { MediaDescription } from '../manifests/types.ts';
import { DESCRIPTION_FILE, versionPrefix } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import { ByteCache, singleFlight } from './byte-cache.ts';
import { instrumentStore } from './instrumented-store.ts';
import { type RenderedManifest, resolveMedia } from './media-objects.ts';
import { isSuspiciousPath, parseMediaPath } from './media-path.ts';
import { createOriginMetrics, type OriginMetrics } from './metrics.ts';
import { respondWithObject } from './object-response.ts';
import { PlayCounter } from './play-counter.ts';
import { grantUrls, mediaBase, normaliseCountry, refusePlayback } from './playback.ts';
import { requestLog } from './request-log.ts';
import { issueToken, tokenScope, verifyToken } from './signing.ts';
import type { OriginConfig, OriginLogger } from './types.ts';

export interface OriginDependencies {
  store: ObjectStore;
  catalog: Catalog;
  logger: OriginLogger;
  metrics?: OriginMetrics;
  now?: () => Date;
}

const ISRC = /^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/;
const VERSION = /^[0-9a-f]{20}$/;
const MEDIA_ROUTE = '/media/:token/:isrc/:version/*';
const MEDIA_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag',
};

type Env = {
  Variables: { cacheResult?: 'hit' | 'miss' };
  /** @hono/node-server passes the raw request; its `url` is the path as the client sent it. */
  Bindings: { incoming?: { url?: string } };
};

function jsonError(c: Context, status: 400 | 403 | 404 | 405 | 410 | 451 | 500 | 503, error: string, message: string, details: Record<string, string> = {}): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, message, ...details }, status);
}

const STATUS_BY_CODE: Partial<Record<CadenceError['code'], 400 | 404 | 503>> = {
  BAD_INPUT: 400,
  NOT_FOUND: 404,
  STORAGE: 503,
  CATALOG: 503,
};

export interface OriginApp {
  app: Hono<Env>;
  metrics: OriginMetrics;
  /** Flushes pending play counts; call before closing the catalog. */
  stop(): void;
}

export function createOriginApp(config: OriginConfig, dependencies: OriginDependencies): OriginApp {
  const { catalog, logger, now = () => new Date() } = dependencies;
  const metrics = dependencies.metrics ?? createOriginMetrics();
  const store = instrumentStore(dependencies.store, metrics);
  const mediaCache = new ByteCache({ maxBytes: config.mediaCacheBytes, onEvict: () => metrics.recordEviction('media') });
  metrics.trackCache('media', mediaCache);
  const loadDescription = singleFlight<string, MediaDescription>();
  // Versions are immutable: a description, once read, is good forever (bounded by count).
  const descriptions = new Map<string, MediaDescription>();
  const manifests = new Map<string, RenderedManifest>();
  const plays = new PlayCounter((counts) => catalog.recordPlays(counts), {
    onError: (error) => logger.warn({ err: error }, 'could not record play counts'),
  });

  async function description(isrc: string, version: string): Promise<MediaDescription | null> {
    const id = `${isrc}/${version}`;
    const known = descriptions.get(id);
    if (known) return known;
    try {
      const loaded = await loadDescription(id, async () => JSON.parse((await store.getBytes(`${versionPrefix(isrc, version)}${DESCRIPTION_FILE}`)).toString('utf8')) as MediaDescription);
      if (descriptions.size >= 10_000) descriptions.delete(descriptions.keys().next().value!);
      descriptions.set(id, loaded);
      return loaded;
    } catch (error) {
      if (isCadenceError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  const app = new Hono<Env>();
  app.use('*', requestLog({ logger, metrics }));
  // URL parsing would quietly resolve `..`, `%2e%2e` and `%2f`: refuse them as sent instead.
  app.use('*', async (c, next) => {
    const raw = c.env?.incoming?.url ?? new URL(c.req.url).pathname;
    if (isSuspiciousPath(raw.split('?')[0] ?? '')) return jsonError(c, 400, 'bad_request', 'path must not contain encoded, relative or empty segments');
    await next();
  });
  // CORS for media is set on each answer, not by hono's cors middleware: rewriting every response
  // after the fact made the node adapter build a full fetch Response and halved media throughput.
  app.options('/media/*', (c) =>
    c.body(null, 204, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Modified-Since',
      'Access-Control-Max-Age': '86400',
    }),
  );
  app.use('/v1/*', cors({ origin: '*', allowMethods: ['GET', 'OPTIONS'], maxAge: 86400 }));

  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok' });
  });

  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });

  app.get('/v1/tracks/:isrc', async (c) => {
    const isrc = c.req.param('isrc');
    const track = ISRC.test(isrc) ? catalog.getTrack(isrc) : null;
    if (!track?.current) return jsonError(c, 404, 'not_found', `no published track ${isrc}`);
    const { release, current } = track;
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({
      isrc: track.isrc,
      title: track.title,
      artists: track.artists,
      album: release.title,
      release: { upc: release.upc, title: release.title, artists: release.artists, label: release.label, releaseDate: release.releaseDate, genre: release.genre },
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      explicit: track.explicit,
      duration: current.durationSeconds,
      loudness: current.loudness,
      renditions: current.renditions,
    });
  });

  app.get('/v1/tracks/:isrc/playback', (c) => {
    const isrc = c.req.param('isrc');
    const track = ISRC.test(isrc) ? catalog.getTrack(isrc) : null;
    const at = now();
    const country = normaliseCountry(c.req.header(config.countryHeader)) ?? config.defaultCountry;
    const refusal = refusePlayback(track, { isrc, country, today: at.toISOString().slice(0, 10) });
    if (refusal) return jsonError(c, refusal.status, refusal.error, refusal.message, refusal.details);
    const version = track!.current!.version;
    plays.add(isrc);
    const { token, expiresAt } = issueToken({ keys: config.signingKeys, scope: tokenScope(isrc, version), now: at, policy: config.tokenPolicy });
    c.header('Cache-Control', 'no-store');
    return c.json(grantUrls(mediaBase(config.publicUrl, token, isrc, version), expiresAt));
  });

  // Every method reaches the handler, so anything but GET/HEAD gets 405 with Allow.
  app.all(MEDIA_ROUTE, async (c) => {
    // Players read refusals (403/410/404) too, so every answer here is CORS-readable.
    c.header('Access-Control-Allow-Origin', '*');
    const { token, isrc, version } = c.req.param() as { token: string; isrc: string; version: string };
    if (!ISRC.test(isrc) || !VERSION.test(version)) return jsonError(c, 404, 'not_found', 'no such media');
    const at = now();
    const check = verifyToken({ keys: config.signingKeys, token, scope: tokenScope(isrc, version), now: at, policy: config.tokenPolicy });
    if (!check.ok) return jsonError(c, check.status, check.status === 410 ? 'token_expired' : 'forbidden', check.reason);

    const rest = c.req.path.slice(`/media/${token}/${isrc}/${version}/`.length);
    const target = parseMediaPath(rest);
    const stored = target ? await description(isrc, version) : null;
    const resolved = target && stored
      ? resolveMedia(
          {
            store,
            cache: mediaCache,
            prefix: versionPrefix(isrc, version),
            version,
            description: stored,
            manifests,
            manifestMaxAgeSeconds: config.manifestMaxAgeSeconds,
            tokenSecondsLeft: Math.max(0, Math.floor((check.expiresAt.getTime() - at.getTime()) / 1000)),
            onCacheResult: (hit) => {
              c.set('cacheResult', hit ? 'hit' : 'miss');
              metrics.recordCache('media', hit);
            },
          },
          target,
        )
      : null;
    if (!resolved) return jsonError(c, 404, 'not_found', 'no such media');
    return respondWithObject(c.req.raw, resolved.object, { compressible: resolved.manifest, headers: MEDIA_CORS });
  });

  app.get('/v1/search', (c) => {
    const q = c.req.query('q') ?? '';
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limitText !== undefined && !Number.isFinite(limit)) return jsonError(c, 400, 'bad_request', 'limit must be a number');
    const results = catalog.search({ q, limit, genre: c.req.query('genre'), artist: c.req.query('artist') });
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({ results });
  });

  app.notFound((c) => jsonError(c, 404, 'not_found', 'no such route'));

  app.onError((error, c) => {
    const status = isCadenceError(error) ? (STATUS_BY_CODE[error.code] ?? 500) : 500;
    if (status >= 500) logger.error({ err: error, path: c.req.path }, 'request failed');
    return jsonError(c, status, status === 503 ? 'unavailable' : status === 500 ? 'internal' : 'bad_request', status === 500 ? 'internal error' : error.message);
  });

  return { app, metrics, stop: () => plays.stop() };
}
