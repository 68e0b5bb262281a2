// hono middleware for the listener routes: authentication (sets the listener on the context, or
// answers 401/403 with WWW-Authenticate) and rate limits (429 with Retry-After).

import type { Context, MiddlewareHandler } from 'hono';
import { wwwAuthenticate } from '../listeners/access-token.ts';
import type { LimitedAction, LimitScope } from '../listeners/rate-limits.ts';
import { clientAddress, type ListenerEnv, type ListenerServices } from './listener-context.ts';
import type { ListenerMetrics } from './listener-metrics.ts';
import { requestHeaders } from './request-headers.ts';

function refuse(c: Context<ListenerEnv>, status: 401 | 403 | 429, error: string, message: string, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  c.header('Cache-Control', 'no-store');
  return c.json({ error, message }, status);
}

export interface AuthenticateOptions {
  services: Pick<ListenerServices, 'authenticate'>;
  metrics: ListenerMetrics;
  /** Without an Authorization header, continue with no listener (a token, when sent, must still be valid). */
  optional?: boolean;
}

export function authenticate({ services, metrics, optional = false }: AuthenticateOptions): MiddlewareHandler<ListenerEnv> {
  return async (c, next) => {
    // From Node's parsed headers: c.req.header() would build a fetch Headers on every search.
    const header = requestHeaders(c).get('authorization') ?? undefined;
    if (optional && header === undefined) return next();
    const result = await services.authenticate(header);
    if (!result.ok) {
      const { status, error, message } = result.refusal;
      metrics.authRefused(status, error);
      return refuse(c, status, error, message, { 'WWW-Authenticate': wwwAuthenticate(result.refusal) });
    }
    c.set('listener', result.listener);
    await next();
  };
}

/**
 * One budget: `address` goes before authentication (a flood of bad tokens is limited too),
 * `listener` after it (it needs the verified listener; skipped when there is none).
 */
export function rateLimit({ services, metrics, action, scope }: { services: Pick<ListenerServices, 'limits'>; metrics: ListenerMetrics; action: LimitedAction; scope: LimitScope }): MiddlewareHandler<ListenerEnv> {
  // No budget for this action: no middleware work at all (search is a hot path).
  if (!services.limits.limits(action, scope)) return (_c, next) => next();
  return async (c, next) => {
    const key = scope === 'address' ? clientAddress(c) : c.get('listener')?.id;
    if (!key) return next();
    const decision = await services.limits.consume(action, { [scope]: key });
    if (!decision.ok) {
      metrics.rateLimited(action, decision.scope);
      const message = `too many ${action} requests from this ${decision.scope}; retry in ${decision.retryAfterSeconds} s`;
      return refuse(c, 429, 'rate_limited', message, { 'Retry-After': String(decision.retryAfterSeconds) });
    }
    await next();
  };
}
