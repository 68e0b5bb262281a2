// Abuse limits: per-listener and per-address budgets on grants, search and positions, with
// rate-limiter-flexible. In memory on one machine (per process); in Redis when CADENCE_QUEUE names
// one, so a budget is shared by every origin node, with an in-memory limiter as insurance while
// Redis is unreachable (limits keep holding per node rather than failing every request).
//
// CADENCE_RATE_LIMITS=grant.listener=60/60,grant.address=600/60,search.address=300/60,…
// Each entry is `action.scope=points/seconds` or `action.scope=off`; entries not given keep
// their defaults; `off` alone turns every limit off.

import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { CadenceError } from '../errors/cadence-error.ts';

export const LIMITED_ACTIONS = ['grant', 'search', 'positions'] as const;
export const LIMIT_SCOPES = ['listener', 'address'] as const;
export type LimitedAction = (typeof LIMITED_ACTIONS)[number];
export type LimitScope = (typeof LIMIT_SCOPES)[number];
export type LimitName = `${LimitedAction}.${LimitScope}`;

export interface RateRule {
  points: number;
  seconds: number;
}

/** Absent: unlimited. */
export type RateLimitSettings = Partial<Record<LimitName, RateRule>>;

/** A listener starts a track every few minutes; an address may be a household or an office. */
export const DEFAULT_RATE_LIMITS_TEXT =
  'grant.listener=60/60,grant.address=600/60,search.listener=120/60,search.address=600/60,positions.listener=120/60,positions.address=1200/60';

const ENTRY = /^(grant|search|positions)\.(listener|address)=(?:(off)|([1-9][0-9]{0,8})\/([1-9][0-9]{0,6}))$/;

export function parseRateLimits(text: string, base: RateLimitSettings = {}): RateLimitSettings {
  if (text.trim() === 'off') return {};
  const settings: RateLimitSettings = { ...base };
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = ENTRY.exec(entry);
    if (!match) throw new CadenceError('BAD_INPUT', `CADENCE_RATE_LIMITS: ${JSON.stringify(entry)} must be action.scope=points/seconds or action.scope=off (actions: ${LIMITED_ACTIONS.join(', ')}; scopes: ${LIMIT_SCOPES.join(', ')})`);
    const name = `${match[1]}.${match[2]}` as LimitName;
    if (match[3]) delete settings[name];
    else settings[name] = { points: Number(match[4]), seconds: Number(match[5]) };
  }
  return settings;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = parseRateLimits(DEFAULT_RATE_LIMITS_TEXT);

export type RateDecision = { ok: true } | { ok: false; scope: LimitScope; retryAfterSeconds: number };

export interface RateLimits {
  /** Whether a budget applies to the action (in that scope; none: callers may skip the check entirely). */
  limits(action: LimitedAction, scope?: LimitScope): boolean;
  /** Takes one point from each applicable budget; the first exhausted one refuses. */
  consume(action: LimitedAction, keys: { listener?: string | null; address?: string | null }): Promise<RateDecision>;
}

export function createRateLimits({ settings, redis, prefix = 'cadence:' }: { settings: RateLimitSettings; redis?: Redis; prefix?: string }): RateLimits {
  const limiters = new Map<LimitName, RateLimiterAbstract>();
  for (const [name, rule] of Object.entries(settings) as Array<[LimitName, RateRule]>) {
    const options = { points: rule.points, duration: rule.seconds, keyPrefix: `${prefix}rate:${name}` };
    limiters.set(
      name,
      redis ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(options) }) : new RateLimiterMemory(options),
    );
  }
  return {
    limits: (action, scope) => (scope ? [scope] : LIMIT_SCOPES).some((each) => limiters.has(`${action}.${each}`)),
    async consume(action, keys) {
      for (const scope of LIMIT_SCOPES) {
        const key = keys[scope];
        const limiter = key ? limiters.get(`${action}.${scope}`) : undefined;
        if (!limiter || !key) continue;
        try {
          await limiter.consume(key);
        } catch (rejection) {
          if (rejection instanceof RateLimiterRes) return { ok: false, scope, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
          throw new CadenceError('LISTENERS', `rate limit store failed: ${(rejection as Error).message}`, { cause: rejection });
        }
      }
      return { ok: true };
    },
  };
}
