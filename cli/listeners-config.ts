// Listener settings from the environment, read once at the edge (serve, token). Every variable
// has a working default on one machine: the embedded identity provider (a key pair in ./data),
// the default tiers, a listeners.db beside the catalog, in-memory rate limits.

import { dirname, join, resolve } from 'node:path';
import { CadenceError } from '../errors/cadence-error.ts';
import { ASYMMETRIC_ALGORITHMS, DEFAULT_CLAIMS } from '../listeners/access-token.ts';
import type { AuthSettings, ListenersConfig } from '../listeners/open-listeners.ts';
import { DEFAULT_RATE_LIMITS, parseRateLimits } from '../listeners/rate-limits.ts';
import { DEFAULT_TIERS, parseTiers } from '../listeners/tiers.ts';
import type { CadenceConfig } from './config.ts';

export const LOCAL_KEY_FILE = './data/auth-key.jwk';
export const LOCAL_ISSUER = 'cadence-local';
export const LOCAL_AUDIENCE = 'cadence';

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, { allowZero = false } = {}): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new CadenceError('BAD_CONFIG', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds (got ${JSON.stringify(text)})`);
  return value;
}

function claimName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value.length > 200) throw new CadenceError('BAD_CONFIG', `${name} is too long`);
  return value;
}

function authSettings(env: NodeJS.ProcessEnv, tiers: ListenersConfig['tiers']): AuthSettings {
  const mode = env.CADENCE_AUTH || (env.CADENCE_AUTH_JWKS_URL ? 'jwks' : 'local');
  if (mode === 'none') {
    const tier = env.CADENCE_AUTH_NONE_TIER || 'free';
    if (!tiers.has(tier)) throw new CadenceError('BAD_CONFIG', `CADENCE_AUTH_NONE_TIER: ${tier} is not in CADENCE_TIERS (${[...tiers.keys()].join(', ')})`);
    return { mode: 'none', tier };
  }
  if (mode !== 'local' && mode !== 'jwks') throw new CadenceError('BAD_CONFIG', `CADENCE_AUTH must be jwks, local or none (got ${JSON.stringify(mode)})`);
  const algorithms = env.CADENCE_AUTH_ALGORITHMS ? env.CADENCE_AUTH_ALGORITHMS.split(',').map((alg) => alg.trim()).filter(Boolean) : [...ASYMMETRIC_ALGORITHMS];
  const unsafe = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (unsafe.length > 0 || algorithms.length === 0) throw new CadenceError('BAD_CONFIG', `CADENCE_AUTH_ALGORITHMS: only asymmetric algorithms are accepted (${ASYMMETRIC_ALGORITHMS.join(', ')}); refused: ${unsafe.join(', ') || '(empty)'}`);
  const checks = {
    algorithms,
    clockSkewSeconds: seconds(env, 'CADENCE_AUTH_CLOCK_SKEW', 30, { allowZero: true }),
    claims: {
      listener: claimName(env, 'CADENCE_AUTH_LISTENER_CLAIM', DEFAULT_CLAIMS.listener),
      tier: claimName(env, 'CADENCE_AUTH_TIER_CLAIM', DEFAULT_CLAIMS.tier),
      country: claimName(env, 'CADENCE_AUTH_COUNTRY_CLAIM', DEFAULT_CLAIMS.country),
    },
  };
  if (mode === 'local') {
    if (env.CADENCE_AUTH_JWKS_URL) throw new CadenceError('BAD_CONFIG', 'CADENCE_AUTH=local and CADENCE_AUTH_JWKS_URL contradict each other: unset one');
    return { mode, keyFile: resolve(env.CADENCE_AUTH_LOCAL_KEY || LOCAL_KEY_FILE), issuer: env.CADENCE_AUTH_ISSUER || LOCAL_ISSUER, audience: env.CADENCE_AUTH_AUDIENCE || LOCAL_AUDIENCE, ...checks };
  }
  const jwksUrl = env.CADENCE_AUTH_JWKS_URL ?? '';
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new CadenceError('BAD_CONFIG', `CADENCE_AUTH_JWKS_URL must be an http(s) URL (got ${JSON.stringify(jwksUrl)})`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CadenceError('BAD_CONFIG', 'CADENCE_AUTH_JWKS_URL must be an http(s) URL');
  // A remote identity provider's tokens must be pinned to it and to us: no defaults to guess.
  if (!env.CADENCE_AUTH_ISSUER || !env.CADENCE_AUTH_AUDIENCE) throw new CadenceError('BAD_CONFIG', 'CADENCE_AUTH_JWKS_URL needs CADENCE_AUTH_ISSUER and CADENCE_AUTH_AUDIENCE (the iss and aud its tokens carry for this service)');
  return {
    mode,
    jwksUrl: url.href,
    issuer: env.CADENCE_AUTH_ISSUER,
    audience: env.CADENCE_AUTH_AUDIENCE,
    cooldownSeconds: seconds(env, 'CADENCE_AUTH_JWKS_COOLDOWN', 30, { allowZero: true }),
    cacheMaxAgeSeconds: seconds(env, 'CADENCE_AUTH_JWKS_MAX_AGE', 600),
    ...checks,
  };
}

/** `catalogPath` and `queueUrl` (CADENCE_QUEUE) come from the shared configuration (cli/config.ts). */
export function readListenersConfig(env: NodeJS.ProcessEnv, { catalogPath, queueUrl }: Pick<CadenceConfig, 'catalogPath' | 'queueUrl'>): ListenersConfig {
  const tiers = env.CADENCE_TIERS ? parseTiers(env.CADENCE_TIERS) : DEFAULT_TIERS;
  return {
    auth: authSettings(env, tiers),
    tiers,
    positionsPath: resolve(env.CADENCE_LISTENERS_DB || join(dirname(catalogPath), 'listeners.db')),
    redisUrl: queueUrl,
    rateLimits: env.CADENCE_RATE_LIMITS ? parseRateLimits(env.CADENCE_RATE_LIMITS, DEFAULT_RATE_LIMITS) : DEFAULT_RATE_LIMITS,
  };
}
