// One structured log line and the HTTP metrics per request. Media tokens are bearer credentials,
// so they never reach the logs; routes are patterns so metric labels stay few.

import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { requestHeaders } from './request-headers.ts';
import type { OriginLogger } from './types.ts';
import type { OriginMetrics } from './metrics.ts';

export type CacheResult = 'hit' | 'miss';

/** The origin's logger (pino-like). */
export type RequestLogger = OriginLogger;

export interface RequestLogOptions {
  logger: RequestLogger;
  metrics: Pick<OriginMetrics, 'recordRequest'>;
  /** The route pattern for labels and logs; called after the response is ready. */
  routeOf?: (c: Context) => string;
  /** Clock in milliseconds; injectable for tests. */
  now?: () => number;
}

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The pattern of the route that answered, read from hono after `next()`. When nothing but
 * middleware matched (hono's not-found answer), the label is `unmatched`, never the raw path.
 */
export function routePatternOf(c: Context): string {
  const route = matchedRoutes(c)[c.req.routeIndex];
  if (!route) return UNMATCHED_ROUTE;
  // Middleware takes (c, next); a 404 whose last step was middleware means no handler matched.
  if (c.res.status === 404 && route.handler.length >= 2) return UNMATCHED_ROUTE;
  return route.path;
}

/** `/media/{token}/…` → `/media/<token>/…`. */
export function redactPath(path: string): string {
  return path.replace(/\/media\/[^/]+(?=\/|$)/, '/media/<token>');
}

/** What is known about one answered request. */
export interface RequestOutcome {
  method: string;
  route: string;
  /** The path as requested; the token is redacted here. */
  path: string;
  status: number;
  bytes: number | null;
  durationMs: number;
  range?: string | null;
  cache?: CacheResult;
  error?: unknown;
  /** A 5xx's request id, also in its body. */
  requestId?: string;
}

/** Records an outcome: the HTTP metrics and one log line (4xx at info, 5xx at error with the cause). */
export function createRequestRecorder({ logger, metrics }: Pick<RequestLogOptions, 'logger' | 'metrics'>): (outcome: RequestOutcome) => void {
  return ({ method, route, path, status, bytes, durationMs, range, cache, error, requestId }) => {
    metrics.recordRequest({ route, method, status, bytes, seconds: durationMs / 1000 });
    // Media requests run at tens of thousands a second: build no line below the logger's level.
    const level = status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled?.(level) === false) return;
    const line: Record<string, unknown> = {
      method,
      route,
      path: redactPath(path),
      status,
      bytes,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    if (range != null) line.range = range;
    if (cache !== undefined) line.cache = cache;
    if (status >= 500) {
      if (requestId !== undefined) line.requestId = requestId;
      if (error !== undefined) line.err = error;
      logger.error(line, 'request');
    } else {
      logger.info(line, 'request');
    }
  };
}

export function requestLog({ logger, metrics, routeOf = routePatternOf, now = performance.now.bind(performance) }: RequestLogOptions): MiddlewareHandler {
  const record = createRequestRecorder({ logger, metrics });
  return async (c, next) => {
    const start = now();
    let thrown: unknown;
    try {
      await next();
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      // Duration is time to response headers; a streamed body may keep flowing after this.
      record({
        method: c.req.method,
        route: safeRoute(routeOf, c),
        path: c.req.path,
        status: thrown === undefined ? c.res.status : 500,
        bytes: thrown === undefined ? responseBytes(c.req.method, c.res) : null,
        durationMs: now() - start,
        range: requestHeaders(c).get('range'),
        error: thrown ?? c.error,
        requestId: c.res.headers.get('x-request-id') ?? undefined,
      });
    }
  };
}

/** Body bytes from Content-Length; HEAD, 204 and 304 answers carry no body. Null when unknown. */
function responseBytes(method: string, res: Response): number | null {
  if (method === 'HEAD' || res.status === 204 || res.status === 304) return 0;
  const header = res.headers.get('content-length');
  if (header === null || !/^\d+$/.test(header)) return null;
  return Number(header);
}

function safeRoute(routeOf: (c: Context) => string, c: Context): string {
  try {
    return routeOf(c);
  } catch {
    return UNMATCHED_ROUTE;
  }
}
