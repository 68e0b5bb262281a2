// Builds the listener services from settings parsed at the edge (cli/listeners-config.ts): the
// access-token verifier (remote JWKS, the embedded local key pair, or, only when asked for, none),
// the tier table, the resume-position store (SQLite file, or Redis) and the rate limits.

import { Redis } from 'ioredis';
import type { StoreLogger } from '../storage/types.ts';
import { createAccessTokenVerifier } from './access-token.ts';
import { loadOrCreateLocalIdentity } from './local-identity.ts';
import { createRateLimits, type RateLimitSettings } from './rate-limits.ts';
import { createRedisPositionStore } from './redis-position-store.ts';
import { openSqlitePositionStore } from './sqlite-position-store.ts';
import { ANONYMOUS_LISTENER, type Authenticator, type ListenerClaims, type ListenerServices, type PositionStore, type TierTable } from './types.ts';

interface TokenChecks {
  issuer: string;
  audience: string;
  algorithms: readonly string[];
  clockSkewSeconds: number;
  claims: ListenerClaims;
}

export type AuthSettings =
  /** The identity provider's JWKS over HTTP. */
  | ({ mode: 'jwks'; jwksUrl: string; cooldownSeconds: number; cacheMaxAgeSeconds: number } & TokenChecks)
  /** The embedded identity provider: a key pair in `keyFile` (created once). */
  | ({ mode: 'local'; keyFile: string } & TokenChecks)
  /** No authentication (CADENCE_AUTH=none): every request is one anonymous listener of `tier`. */
  | { mode: 'none'; tier: string };

export interface ListenersConfig {
  auth: AuthSettings;
  tiers: TierTable;
  /** SQLite file of resume positions (used when `redisUrl` is null). */
  positionsPath: string;
  /** CADENCE_QUEUE: positions and rate-limit budgets in Redis, shared by every origin node. */
  redisUrl: string | null;
  rateLimits: RateLimitSettings;
}

export interface OpenListenerServices extends ListenerServices {
  close(): Promise<void>;
}

/** Every request is the same anonymous listener: for closed networks and experiments only. */
export function noAuthentication(tier: string): Authenticator {
  const result = { ok: true as const, listener: { id: ANONYMOUS_LISTENER, tier, country: null } };
  return async () => result;
}

export async function openListenerServices(config: ListenersConfig, { logger }: { logger: StoreLogger }): Promise<OpenListenerServices> {
  const authenticate = await authenticator(config, logger);
  let redis: Redis | undefined;
  let positions: PositionStore;
  if (config.redisUrl) {
    redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
    let reported = false;
    redis.on('error', (error: Error) => {
      if (!reported) logger.warn({ err: error }, 'listener store: redis unreachable (positions answer 503; rate limits fall back to memory)');
      reported = true;
    });
    redis.on('ready', () => (reported = false));
    // Until the first connection, budgets are per node (the in-memory insurance): wait for it
    // briefly so a node starts with the shared budgets, but start anyway when Redis is down.
    await untilReady(redis, READY_WAIT_MS);
    positions = createRedisPositionStore({ redis });
  } else {
    positions = openSqlitePositionStore(config.positionsPath);
  }
  return {
    authenticate,
    tiers: config.tiers,
    positions,
    limits: createRateLimits({ settings: config.auth.mode === 'none' ? addressBudgetsOnly(config.rateLimits) : config.rateLimits, redis }),
    close: async () => {
      await positions.close();
      if (redis) await redis.quit().catch(() => redis!.disconnect());
    },
  };
}

const READY_WAIT_MS = 3000;

function untilReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

/** Without authentication every request is the one anonymous listener: only per-address budgets mean anything. */
function addressBudgetsOnly(settings: RateLimitSettings): RateLimitSettings {
  return Object.fromEntries(Object.entries(settings).filter(([name]) => name.endsWith('.address')));
}

async function authenticator(config: ListenersConfig, logger: StoreLogger): Promise<Authenticator> {
  const { auth, tiers } = config;
  if (auth.mode === 'none') {
    logger.warn(
      { auth: 'none', tier: auth.tier },
      `AUTHENTICATION IS OFF (CADENCE_AUTH=none): anyone who can reach this origin gets "${auth.tier}" grants as one shared anonymous listener`,
    );
    return noAuthentication(auth.tier);
  }
  const checks = { issuer: auth.issuer, audience: auth.audience, algorithms: auth.algorithms, clockSkewSeconds: auth.clockSkewSeconds, claims: auth.claims, tiers };
  if (auth.mode === 'jwks') {
    return createAccessTokenVerifier({ ...checks, keys: { jwksUrl: auth.jwksUrl, cooldownMs: auth.cooldownSeconds * 1000, cacheMaxAgeMs: auth.cacheMaxAgeSeconds * 1000 } });
  }
  const identity = await loadOrCreateLocalIdentity(auth.keyFile);
  return createAccessTokenVerifier({ ...checks, keys: { jwks: identity.jwks } });
}
