// The origin over the catalog and object storage: a hono app, and the media answers beside it. Routes:
//   GET /v1/tracks/:isrc            track metadata (410 once no release lists the track)
//   GET /v1/tracks/:isrc/playback   with a listener's access token: tier-scoped signed manifest URLs
//                                   (401/403/404/410/429/451 with a JSON reason)
//   PUT|GET /v1/me/positions[/:isrc] the listener's resume positions (origin/positions-routes.ts)
//   GET /v1/search?q=&limit=&genre=&artist=   catalog search, best first
//   GET /v1/releases/:upc/cover?size=  the release's cover, square JPEG sizes (origin/cover-route.ts)
//   GET|HEAD /media/:token/:isrc/:version/*   manifests, rendition files, byte ranges, segments
//   GET /healthz, GET /readyz (origin/readiness.ts), GET /metrics
// Media requests never reach the router: origin/node-listener.ts hands them from node:http to
// `serveMedia` (origin/media-handler.ts plus metrics and the log line).

import { Hono, type Context } from 'hono';
import { releaseIdentity, upcOf } from '../catalog/release-id.ts';
import type { Catalog } from '../catalog/types.ts';
import { decidePlayback, isStarted } from '../listeners/rights-decision.ts';
import { notOnAnyRelease } from './release-membership.ts';
import type { ObjectStore } from '../storage/types.ts';
import { coverOriginalKey } from '../storage/layout.ts';
import { ByteCache } from './byte-cache.ts';
import { createCoverRoute, releaseCoverUrl } from './cover-route.ts';
import { instrumentStore } from './instrumented-store.ts';
import { failureOf } from './json-answer.ts';
import { createMediaHandler, MEDIA_ROUTE, type MediaAnswer, type MediaRequest } from './media-handler.ts';
import type { ListenerEnv, ListenerServices } from './listener-context.ts';
import { createListenerMetrics } from './listener-metrics.ts';
import { authenticate, rateLimit } from './listener-middleware.ts';
import { isSuspiciousPath, pathOfTarget } from './media-path.ts';
import { createOriginMetrics, type OriginMetrics } from './metrics.ts';
import { playClient } from './client-key.ts';
import { PlayCounter } from './play-counter.ts';
import { createAvailabilityGate } from './availability-gate.ts';
import { createReleaseGate } from './release-gate.ts';
import { listenerCountry, trustedProxies } from './client-country.ts';
import { grantUrls, mediaBase } from './playback.ts';
import { registerPositionRoutes } from './positions-routes.ts';
import { createReadinessCheck, readinessRoute } from './readiness.ts';
import { encodeRenditionSet } from './rendition-set.ts';
import type { NodeBindings } from './request-headers.ts';
import { createRequestRecorder, requestLog } from './request-log.ts';
import { issueToken, tokenScope } from './signing.ts';
import { registerFollowMetrics } from './follow-metrics.ts';
import type { NodeFollowStatus, OriginConfig, OriginLogger, PlaySink } from './types.ts';

export interface OriginDependencies {
  store: ObjectStore;
  catalog: Catalog;
  logger: OriginLogger;
  metrics?: OriginMetrics;
  /** Access tokens, tiers, resume positions and rate limits (built from configuration at the edge). */
  listeners: ListenerServices;
  /** Where counted plays go: this node's catalog unless given (the shared play stream, plays/). */
  playSink?: PlaySink;
  /** This node's journal follower and play stream reader, for /metrics (cli/serve.ts). */
  followStatus?: () => NodeFollowStatus | null;
  now?: () => Date;
}

const ISRC = /^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/;
/** A CDN on the same machine (the nginx edge of cdn/); set CADENCE_TRUSTED_PROXIES in production. */
export const DEFAULT_TRUSTED_PROXIES = ['127.0.0.1', '::1'];

/** @hono/node-server passes the raw request as Bindings; its `url` is the path as the client sent it. */
type Env = ListenerEnv;

function jsonError(c: Context, status: 400 | 403 | 404 | 405 | 410 | 451 | 500 | 503, error: string, message: string, details: Record<string, string> = {}): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, message, ...details }, status);
}

export interface OriginApp {
  /** The API, health and metrics routes (hono); origin/node-listener.ts sends media to `serveMedia`. */
  fetch: (request: Request, env?: NodeBindings) => Response | Promise<Response>;
  /** The media routes, framework-free: synchronous when the answer is in memory. */
  serveMedia: (request: MediaRequest) => MediaAnswer | Promise<MediaAnswer>;
  metrics: OriginMetrics;
  /** Flushes pending play counts; call before closing the catalog. */
  stop(): void;
}

export function createOriginApp(config: OriginConfig, dependencies: OriginDependencies): OriginApp {
  const { catalog, logger, listeners, now = () => new Date() } = dependencies;
  const metrics = dependencies.metrics ?? createOriginMetrics();
  const store = instrumentStore(dependencies.store, metrics);
  const mediaCache = new ByteCache({ maxBytes: config.mediaCacheBytes, onEvict: () => metrics.recordEviction('media') });
  metrics.trackCache('media', mediaCache);
  const refuseTrack = createAvailabilityGate({ read: (isrc) => catalog.availability(isrc), maxAgeMs: config.availabilityMaxAgeMs });
  const media = createMediaHandler({ config, store, cache: mediaCache, now, refuseTrack, onCacheResult: (hit) => metrics.recordCache('media', hit) });
  const trusted = trustedProxies(config.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);
  const record = createRequestRecorder({ logger, metrics });
  const listenerMetrics = createListenerMetrics(metrics);
  const guard = { services: listeners, metrics: listenerMetrics };
  const { playSink } = dependencies;
  registerFollowMetrics(metrics.registry, { follow: dependencies.followStatus, plays: playSink });
  const plays = new PlayCounter(playSink ? (counts) => playSink.write(counts) : (counts) => catalog.recordPlays(counts), {
    intervalMs: playSink?.intervalMs,
    onError: (error) => logger.warn({ err: error }, 'could not record play counts'),
    windowSeconds: config.playWindowSeconds,
    now: () => now().getTime(),
  });

  const app = new Hono<Env>();
  app.use('*', requestLog({ logger, metrics }));
  // URL parsing would quietly resolve `..`, `%2e%2e` and `%2f`: refuse them as sent instead.
  app.use('*', async (c, next) => {
    if (isSuspiciousPath(rawPathOf(c.req.raw, c.env))) return jsonError(c, 400, 'bad_request', 'path must not contain encoded, relative or empty segments');
    await next();
  });
  // CORS for the JSON API, set before the route answers. hono's cors middleware writes into c.res
  // ahead of the route, so hono copies every answer into a second Response, which pushes
  // @hono/node-server onto its web-stream path: 10-15% of a search's CPU over HTTP.
  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return c.body(null, 204, apiPreflightHeaders(c.req.header('access-control-request-headers')));
    c.header('Access-Control-Allow-Origin', '*');
    await next();
  });

  app.get('/healthz', (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok' });
  });

  app.get('/readyz', readinessRoute(createReadinessCheck({ catalog, store: dependencies.store }), logger));

  app.get('/metrics', async (c) => {
    const { contentType, body } = await metrics.render();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });

  app.get('/v1/tracks/:isrc', async (c) => {
    const isrc = c.req.param('isrc');
    const track = ISRC.test(isrc) ? catalog.getTrack(isrc) : null;
    // Before its start a track is invisible: the same answer as for no track at all.
    const availability = track?.current ? catalog.availability(isrc) : null;
    if (!track?.current || !availability || !isStarted(availability.rights, now())) return jsonError(c, 404, 'not_found', `no published track ${isrc}`);
    const gone = notOnAnyRelease(track, availability);
    if (gone) return jsonError(c, gone.status, gone.error, gone.message);
    const { release, current } = track;
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({
      isrc: track.isrc,
      title: track.title,
      artists: track.artists,
      album: release.title,
      release: { ...releaseIdentity(release.upc, release.aliases), title: release.title, artists: release.artists, label: release.label, releaseDate: release.releaseDate, genre: release.genre },
      cover: releaseCoverUrl(config.publicUrl, release.upc, release.cover?.sha256),
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      explicit: track.explicit,
      genre: track.genre ?? release.genre,
      credits: track.credits ?? [],
      pLine: track.pLine ?? null,
      duration: current.durationSeconds,
      loudness: current.loudness,
      renditions: current.renditions,
    });
  });

  const grantGuard = [rateLimit({ ...guard, action: 'grant', scope: 'address' }), authenticate(guard), rateLimit({ ...guard, action: 'grant', scope: 'listener' })] as const;
  app.get('/v1/tracks/:isrc/playback', ...grantGuard, (c) => {
    const isrc = c.req.param('isrc');
    const track = ISRC.test(isrc) ? catalog.getTrack(isrc) : null;
    const at = now();
    const listener = c.get('listener')!;
    // The verified token's country first; the CDN's header only from a trusted proxy.
    const country = listenerCountry({
      tokenCountry: listener.country,
      header: c.req.header(config.countryHeader),
      remoteAddress: c.env?.incoming?.socket?.remoteAddress,
      trusted,
      defaultCountry: config.defaultCountry,
    });
    const availability = track?.current ? catalog.availability(isrc) : null;
    const refusal = decidePlayback(isrc, availability, { country, tier: listener.tier, now: at }) ?? (track?.current ? notOnAnyRelease(track, availability) : null);
    if (refusal) return jsonError(c, refusal.status, refusal.error, refusal.message, refusal.details);
    const version = track!.current!.version;
    // HEAD is hono's GET without a body: asking whether a grant would be given is not a play.
    if (c.req.method !== 'HEAD') plays.add(isrc, playClient(listener.id, c.env));
    // The authenticator admits only tiers in the table; the token opens that tier's renditions.
    const renditions = listeners.tiers.get(listener.tier)!;
    const { token, expiresAt } = issueToken({ keys: config.signingKeys, scope: tokenScope(isrc, version), renditions: encodeRenditionSet(renditions), now: at, policy: config.tokenPolicy });
    c.header('Cache-Control', 'no-store');
    return c.json({ ...grantUrls(mediaBase(config.publicUrl, token, isrc, version), expiresAt), tier: listener.tier, renditions: [...renditions] });
  });

  const searchGuard = [rateLimit({ ...guard, action: 'search', scope: 'address' }), authenticate({ ...guard, optional: true }), rateLimit({ ...guard, action: 'search', scope: 'listener' })] as const;
  app.get('/v1/search', ...searchGuard, (c) => {
    const q = c.req.query('q') ?? '';
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limitText !== undefined && !Number.isFinite(limit)) return jsonError(c, 400, 'bad_request', 'limit must be a number');
    const found = catalog.search({ q, limit, genre: c.req.query('genre'), artist: c.req.query('artist') });
    // The cover's hash only builds its URL: the answer carries the URL. `upc` is the release's ICPN
    // also when it is one of its other ids (a release first known by its GRid), read once per release.
    const icpns = new Map<string, string | null>();
    const icpnOf = (id: string): string | null => {
      if (!icpns.has(id)) icpns.set(id, upcOf(id) ?? releaseIdentity(id, catalog.releaseAliases(id)).upc);
      return icpns.get(id)!;
    };
    const results = found.map(({ coverSha256, ...result }) => ({
      ...result,
      releaseId: result.upc,
      upc: icpnOf(result.upc),
      cover: releaseCoverUrl(config.publicUrl, result.upc, coverSha256),
    }));
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({ results });
  });

  registerPositionRoutes(app, { catalog, services: listeners, metrics: listenerMetrics, now });

  // Covers are public (a CDN caches them); the stored original is found from the catalog's facts
  // alone. Before the release's first track may be streamed its artwork is not public either:
  // the same 404 as no cover, like the metadata of a track before its start (never cached); nor
  // after its last track's rights end (`shownUntil`, which also caps the answers' cache policy).
  // Once every track of it is taken down, neither: 410, decided from this node's catalog.
  // Covers are hot: a release's takedowns and rights end are read at most once per availability bound.
  const releaseGate = createReleaseGate({ read: (upc) => ({ takedowns: catalog.releaseTakedowns(upc), endsAt: catalog.releaseEndsAt(upc) }), maxAgeMs: config.availabilityMaxAgeMs });
  app.route(
    '/',
    createCoverRoute({
      store,
      logger,
      // By any of the release's ids; the key names its own id, and the route redirects to it.
      coverKeyOf: async (named) => {
        const upc = catalog.resolveRelease(named);
        if (upc === null) return null;
        const cover = catalog.getRelease(upc)?.cover;
        const startsAt = cover ? catalog.releaseStartsAt(upc) : null;
        if (!cover || startsAt === null || now().getTime() < Date.parse(startsAt)) return null;
        return coverOriginalKey(upc, cover.sha256, cover.extension);
      },
      refuseRelease: (upc) => releaseGate.refuse(upc, now()),
      shownUntil: (upc) => releaseGate.shownUntil(upc, now()),
      now,
    }),
  );

  app.notFound((c) => jsonError(c, 404, 'not_found', 'no such route'));

  app.onError((error, c) => {
    // A 5xx's request id goes in the body and the X-Request-Id header, where the log line reads it.
    const { status, error: kind, message, requestId } = failureOf(error);
    if (requestId) c.header('X-Request-Id', requestId);
    return jsonError(c, status, kind, message, requestId ? { requestId } : {});
  });

  /** A media request answered and recorded (metrics, log line); synchronous when in memory. */
  function serveMedia(request: MediaRequest): MediaAnswer | Promise<MediaAnswer> {
    const started = performance.now();
    const answered = media(request);
    return answered instanceof Promise ? answered.then((answer) => recordMedia(request, started, answer)) : recordMedia(request, started, answered);
  }

  function recordMedia(request: MediaRequest, started: number, answer: MediaAnswer): MediaAnswer {
    record({
      method: request.method,
      route: MEDIA_ROUTE,
      path: request.rawPath,
      status: answer.status,
      bytes: answer.bodyBytes,
      durationMs: performance.now() - started,
      range: request.headers.get('range'),
      cache: answer.cache,
      error: answer.error,
      requestId: answer.requestId,
    });
    return answer;
  }

  return { fetch: app.fetch, serveMedia, metrics, stop: () => plays.stop() };
}

/** A preflight answer for /v1: any origin, GET, the headers the browser asked for, cached a day. */
function apiPreflightHeaders(requested: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, PUT, OPTIONS',
    'Access-Control-Max-Age': '86400',
    Vary: 'Access-Control-Request-Headers',
  };
  if (requested) headers['Access-Control-Allow-Headers'] = requested;
  return headers;
}

/** The path as the client sent it: URL parsing would resolve `..` and `%2e`. */
function rawPathOf(request: Request, env?: NodeBindings): string {
  return pathOfTarget(env?.incoming?.url ?? new URL(request.url).pathname);
}
