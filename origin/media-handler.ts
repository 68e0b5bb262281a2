// Answers every request under /media/: signed manifests, rendition files, byte ranges and
// segments. It is the origin's hot path (a CDN pulls every slice through it), so it is plain
// code over method, path and headers that node-listener.ts calls beside the hono app rather than
// through it: the router, middleware chain and context cost a third of a cached 64 KiB range.

import { isCadenceError } from '../errors/cadence-error.ts';
import { withRenditions } from '../manifests/rendition-filter.ts';
import type { MediaDescription } from '../manifests/types.ts';
import { DESCRIPTION_FILE, versionPrefix } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import { type ByteCache, singleFlight } from './byte-cache.ts';
import type { AvailabilityGate } from './availability-gate.ts';
import type { HeaderReader } from './http-range.ts';
import { failureAnswer, jsonAnswer } from './json-answer.ts';
import { type MediaObject, resolveMedia } from './media-objects.ts';
import { isSuspiciousPath, parseMediaPath } from './media-path.ts';
import { completeAnswer, completeAnswerFromMemory, type ObjectAnswer, type ObjectPlan, planObjectAnswer } from './object-response.ts';
import type { CacheResult } from './request-log.ts';
import { decodeRenditionSet, renditionSetIncludes } from './rendition-set.ts';
import { createTokenVerifier, tokenAccepted, tokenScope } from './signing.ts';
import type { OriginConfig } from './types.ts';

/** The route pattern media requests are counted and logged under. */
export const MEDIA_ROUTE = '/media/:token/:isrc/:version/*';
export const MEDIA_PREFIX = '/media/';

export interface MediaRequest {
  method: string;
  /** The path as the client sent it (no query), so encoded or relative segments can be refused. */
  rawPath: string;
  headers: HeaderReader;
}

/** `requestId`: set on a 5xx, whose body and log line both carry it. */
export type MediaAnswer = ObjectAnswer & { cache?: CacheResult; error?: unknown; requestId?: string };

export interface MediaHandlerDependencies {
  config: Pick<OriginConfig, 'signingKeys' | 'tokenPolicy' | 'manifestMaxAgeSeconds'>;
  store: ObjectStore;
  cache: ByteCache;
  now: () => Date;
  /** Refuses a track no longer (or not yet) streamable, whatever the token: availability-gate.ts. */
  refuseTrack?: AvailabilityGate;
  onCacheResult?: (hit: boolean) => void;
}

const ISRC = /^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/;
const VERSION = /^[0-9a-f]{20}$/;
/** token / isrc / version / rest; each of the first three is one non-empty segment. */
const MEDIA_PATH = /^\/media\/([^/]+)\/([^/]+)\/([^/]+)\/(.*)$/;
/** On every media answer, refusals and failures included: players read those too. */
export const CORS = { 'Access-Control-Allow-Origin': '*' };
const MEDIA_CORS = { ...CORS, 'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag' };
const PREFLIGHT: MediaAnswer = {
  status: 204,
  headers: {
    ...CORS,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Modified-Since',
    'Access-Control-Max-Age': '86400',
  },
  body: null,
  bodyBytes: 0,
};
// Versions are immutable: a description, and what a path of it resolves to, are good forever
// (only paths of stored versions under a valid token get this far). Bounded by count, and by the
// bytes of the manifests held (an hour-long track's media playlist is ~40 KB).
const MAX_DESCRIPTIONS = 10_000;
const MAX_RESOLVED = 50_000;
const MAX_RESOLVED_BYTES = 64 * 1024 * 1024;
// Signed media paths answered before (a track's ~170 objects per token window): a CDN or player
// asks for ranges of the same path again and again, and this skips the path match, token and
// resolution lookups. Manifests are left out: they hold their bytes, which `resolved` bounds.
const MAX_VERIFIED_PATHS = 50_000;

/**
 * A path naming a rendition the token's tier may not play: remembered like any resolution (so a
 * repeated attempt costs a lookup) and answered 403, never served.
 */
const OUTSIDE_TIER = 'outside-tier';
type Resolution = MediaObject | null | typeof OUTSIDE_TIER;

/** A signed path whose token was genuine for its version and which names a media object. */
interface VerifiedPath {
  isrc: string;
  object: MediaObject;
  /** The token's expiry, epoch seconds: checked on every use. */
  expires: number;
}

/**
 * Answers synchronously when everything is in memory (a known version path, a cached block): no
 * promise on the hot path, and node-listener.ts writes the answer in the same tick.
 */
export type MediaHandler = (request: MediaRequest) => MediaAnswer | Promise<MediaAnswer>;

export function createMediaHandler({ config, store, cache, now, refuseTrack, onCacheResult }: MediaHandlerDependencies): MediaHandler {
  const verifyToken = createTokenVerifier(config.signingKeys, config.tokenPolicy);
  const loadDescription = singleFlight<string, MediaDescription>();
  const resolving = singleFlight<string, Resolution>();
  const descriptions = new Map<string, MediaDescription>();
  const resolved = new Map<string, Resolution>();
  const verifiedPaths = new Map<string, VerifiedPath>();
  let resolvedBytes = 0;
  const heldBytes = (object: Resolution | undefined): number =>
    typeof object === 'object' && object?.manifest ? object.size + (object.gzipped?.byteLength ?? 0) : 0;

  /** Keeps a resolution, dropping the oldest ones past the count or byte bound. */
  function remember(id: string, object: Resolution): void {
    resolved.set(id, object);
    resolvedBytes += heldBytes(object);
    for (const [oldest, held] of resolved) {
      if (resolved.size <= MAX_RESOLVED && resolvedBytes <= MAX_RESOLVED_BYTES) break;
      resolved.delete(oldest);
      resolvedBytes -= heldBytes(held);
    }
  }

  async function description(isrc: string, version: string): Promise<MediaDescription | null> {
    const id = `${isrc}/${version}`;
    const known = descriptions.get(id);
    if (known) return known;
    try {
      const loaded = await loadDescription(id, async () => JSON.parse((await store.getBytes(`${versionPrefix(isrc, version)}${DESCRIPTION_FILE}`)).toString('utf8')) as MediaDescription);
      if (descriptions.size >= MAX_DESCRIPTIONS) descriptions.delete(descriptions.keys().next().value!);
      descriptions.set(id, loaded);
      return loaded;
    } catch (error) {
      if (isCadenceError(error) && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  // Players read refusals (403/410/404) too, so every answer here is CORS-readable.
  const refuse = (status: number, error: string, message: string): MediaAnswer => jsonAnswer(status, error, message, CORS);

  function answer({ method, rawPath, headers }: MediaRequest): MediaAnswer | Promise<MediaAnswer> {
    const at = now();
    // The same string passed every check below before; only the token's expiry moves.
    const verified = method === 'OPTIONS' ? undefined : verifiedPaths.get(rawPath);
    if (verified) {
      // A remembered path stays subject to takedowns and end dates (the gate reads them afresh).
      const refused = refuseTrack?.refuse(verified.isrc, at);
      if (refused) return refuse(refused.status, refused.error, refused.message);
      if (tokenAccepted(verified.expires, at.getTime(), config.tokenPolicy)) return serve(verified, method, headers, at);
      verifiedPaths.delete(rawPath); // expired: the checks below answer 410
    }
    if (isSuspiciousPath(rawPath)) return refuse(400, 'bad_request', 'path must not contain encoded, relative or empty segments');
    if (method === 'OPTIONS') return PREFLIGHT;
    const match = MEDIA_PATH.exec(rawPath);
    if (!match) return refuse(404, 'not_found', 'no such media');
    const [, token, isrc, version, rest] = match as unknown as [string, string, string, string, string];
    if (!ISRC.test(isrc) || !VERSION.test(version)) return refuse(404, 'not_found', 'no such media');
    const check = verifyToken(token, tokenScope(isrc, version), at);
    if (!check.ok) return refuse(check.status, check.status === 410 ? 'token_expired' : 'forbidden', check.reason);
    const expires = check.expiresAt.getTime() / 1000;
    const refused = refuseTrack?.refuse(isrc, at);
    if (refused) return refuse(refused.status, refused.error, refused.message);

    // Per rendition set: a free grant's manifests list fewer renditions than a hi-fi grant's.
    const known = resolved.get(`${isrc}/${version}/${check.renditions}/${rest}`);
    if (known !== undefined) return serveVerified(isrc, rawPath, known, expires, method, headers, at);
    return objectAt(isrc, version, check.renditions, rest).then((object) => serveVerified(isrc, rawPath, object, expires, method, headers, at));
  }

  /** Remembers a path that passed every check and names an object, then answers it. */
  function serveVerified(isrc: string, rawPath: string, object: Resolution, expires: number, method: string, headers: HeaderReader, at: Date): MediaAnswer | Promise<MediaAnswer> {
    if (!object) return refuse(404, 'not_found', 'no such media');
    if (object === OUTSIDE_TIER) return refuse(403, 'forbidden', 'this rendition is not part of the grant\'s tier');
    const verified: VerifiedPath = { isrc, object, expires };
    if (!object.manifest) {
      if (verifiedPaths.size >= MAX_VERIFIED_PATHS) verifiedPaths.delete(verifiedPaths.keys().next().value!);
      verifiedPaths.set(rawPath, verified);
    }
    return serve(verified, method, headers, at);
  }

  /** The answer for a verified path (not a closure per request: see node-listener.ts). */
  function serve(verified: VerifiedPath, method: string, headers: HeaderReader, at: Date): MediaAnswer | Promise<MediaAnswer> {
    const { object } = verified;
    // Shared caches keep an object until the token expires, or the track's end date if sooner.
    const until = refuseTrack ? Math.min(verified.expires, refuseTrack.streamableUntil(verified.isrc)) : verified.expires;
    const secondsLeft = Math.max(0, Math.floor(until - at.getTime() / 1000));
    const cacheControl = object.cacheControl(secondsLeft, config.manifestMaxAgeSeconds);
    const plan = planObjectAnswer({ method, headers }, object, { cacheControl, compressible: object.manifest, headers: MEDIA_CORS });
    const fromMemory: MediaAnswer | undefined = completeAnswerFromMemory(plan, object);
    if (fromMemory) {
      if (plan.body && !object.manifest) {
        fromMemory.cache = 'hit';
        onCacheResult?.(true);
      }
      return fromMemory;
    }
    return readAnswer(plan, object);
  }

  async function readAnswer(plan: ObjectPlan, object: MediaObject): Promise<MediaAnswer> {
    let cacheResult: CacheResult | undefined;
    const answered: MediaAnswer = await completeAnswer(plan, object, (hit) => {
      cacheResult = hit ? 'hit' : 'miss';
      onCacheResult?.(hit);
    });
    if (cacheResult) answered.cache = cacheResult;
    return answered;
  }

  /**
   * Resolves a path not yet known (manifests are written, hashed and gzipped here, once: first
   * requests arriving together share one resolution); null when it names nothing.
   */
  function objectAt(isrc: string, version: string, renditions: string, rest: string): Promise<Resolution> {
    const id = `${isrc}/${version}/${renditions}/${rest}`;
    return resolving(id, async () => {
      const target = parseMediaPath(rest);
      if (!target) return null; // not kept: any string could be a path
      const stored = await description(isrc, version);
      if (!stored) return null;
      if ('rendition' in target && !renditionSetIncludes(renditions, target.rendition)) {
        remember(id, OUTSIDE_TIER);
        return OUTSIDE_TIER;
      }
      const visible = withRenditions(stored, decodeRenditionSet(renditions));
      const object = resolveMedia({ store, cache, prefix: versionPrefix(isrc, version), version, description: visible }, target);
      remember(id, object);
      return object;
    });
  }

  const failed = (error: unknown): MediaAnswer => ({ ...failureAnswer(error, CORS), error });
  return (request) => {
    try {
      const answered = answer(request);
      return answered instanceof Promise ? answered.catch(failed) : answered;
    } catch (error) {
      return failed(error);
    }
  };
}
