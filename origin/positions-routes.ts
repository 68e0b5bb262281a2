// Resume positions of the authenticated listener:
//   PUT /v1/me/positions/:isrc  { positionMs }   → 200 { isrc, positionMs, updatedAt }
//   GET /v1/me/positions/:isrc                  → 200 the same, 404 when none saved
//   GET /v1/me/positions?limit=N                → 200 { positions: [...] } newest first
// The listener comes only from the verified token: there is no way to name another listener.

import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Catalog } from '../catalog/types.ts';
import type { ListenerEnv, ListenerServices } from './listener-context.ts';
import type { ListenerMetrics } from './listener-metrics.ts';
import { authenticate, rateLimit } from './listener-middleware.ts';

const ISRC = /^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

export interface PositionRoutesOptions {
  catalog: Pick<Catalog, 'getTrack'>;
  services: ListenerServices;
  metrics: ListenerMetrics;
  now: () => Date;
}

function answerError(c: Context<ListenerEnv>, status: 400 | 404 | 413, error: string, message: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, message }, status);
}

export function registerPositionRoutes(app: Hono<ListenerEnv>, { catalog, services, metrics, now }: PositionRoutesOptions): void {
  const guard = [
    rateLimit({ services, metrics, action: 'positions', scope: 'address' }),
    authenticate({ services, metrics }),
    rateLimit({ services, metrics, action: 'positions', scope: 'listener' }),
  ] as const;
  // hono's `/*` also matches `/v1/me/positions` itself: one registration covers the list too.
  app.use('/v1/me/positions/*', ...guard);

  app.put(
    '/v1/me/positions/:isrc',
    bodyLimit({ maxSize: 1024, onError: (c) => answerError(c as Context<ListenerEnv>, 413, 'payload_too_large', 'the body must be a small JSON object { positionMs }') }),
    async (c) => {
      const isrc = c.req.param('isrc');
      const track = ISRC.test(isrc) ? catalog.getTrack(isrc) : null;
      if (!track?.current) return answerError(c, 404, 'not_found', `no published track ${isrc}`);
      const body = (await c.req.json().catch(() => undefined)) as { positionMs?: unknown } | undefined;
      const positionMs = body?.positionMs;
      if (typeof positionMs !== 'number' || !Number.isInteger(positionMs)) return answerError(c, 400, 'bad_request', 'body must be JSON { "positionMs": <integer milliseconds> }');
      const durationMs = Math.round(track.current.durationSeconds * 1000);
      if (positionMs < 0 || positionMs > durationMs) return answerError(c, 400, 'bad_request', `positionMs must be between 0 and the track's duration (${durationMs} ms)`);
      const position = { isrc, positionMs, updatedAt: now().toISOString() };
      await services.positions.put(c.get('listener')!.id, position);
      c.header('Cache-Control', 'no-store');
      return c.json(position);
    },
  );

  app.get('/v1/me/positions/:isrc', async (c) => {
    const isrc = c.req.param('isrc');
    const position = ISRC.test(isrc) ? await services.positions.get(c.get('listener')!.id, isrc) : null;
    if (!position) return answerError(c, 404, 'not_found', `no position saved for ${isrc}`);
    c.header('Cache-Control', 'no-store');
    return c.json(position);
  });

  app.get('/v1/me/positions', async (c) => {
    const text = c.req.query('limit');
    const limit = text === undefined ? DEFAULT_LIMIT : Number(text);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return answerError(c, 400, 'bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    const positions = await services.positions.list(c.get('listener')!.id, limit);
    c.header('Cache-Control', 'no-store');
    return c.json({ positions });
  });
}
