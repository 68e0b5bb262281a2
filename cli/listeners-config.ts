// Listener settings from the environment, read once at the edge (serve, token), each through
// cli/env-settings.ts: a value a setting does not accept stops the command with BAD_CONFIG naming
// it, every refused setting at once. Every variable has a working default on one machine: the
// embedded identity provider (a key pair in ./data), the default tiers, a listeners.db beside
// the catalog, in-memory rate limits.

import { dirname, join, resolve } from 'node:path';
import { ASYMMETRIC_ALGORITHMS, DEFAULT_CLAIMS } from '../listeners/access-token.ts';
import type { AuthSettings, ListenersConfig } from '../listeners/open-listeners.ts';
import { DEFAULT_RATE_LIMITS, parseRateLimits } from '../listeners/rate-limits.ts';
import { DEFAULT_TIERS, parseTiers } from '../listeners/tiers.ts';
import type { TierTable } from '../listeners/types.ts';
import type { CadenceConfig } from './config.ts';
import { type EnvSettings, readSettings, SettingRefused } from './env-settings.ts';

export const LOCAL_KEY_FILE = './data/auth-key.jwk';
export const LOCAL_ISSUER = 'cadence-local';
export const LOCAL_AUDIENCE = 'cadence';

const AUTH_MODES = ['jwks', 'local', 'none'] as const;
const DAY = 86400;

/** `catalogPath` and `queueUrl` (CADENCE_QUEUE) come from the shared configuration (cli/config.ts). */
export function readListenersConfig(env: NodeJS.ProcessEnv, { catalogPath, queueUrl }: Pick<CadenceConfig, 'catalogPath' | 'queueUrl'>): ListenersConfig {
  return readSettings(env, (read) => {
    const tiers = read.custom('CADENCE_TIERS', DEFAULT_TIERS, parseTiers);
    return {
      auth: authSettings(read, tiers),
      tiers,
      positionsPath: resolve(read.text('CADENCE_LISTENERS_DB', join(dirname(catalogPath), 'listeners.db'), { test: (value) => !value.includes('\0'), accepts: 'a file path' })),
      redisUrl: queueUrl,
      rateLimits: read.custom('CADENCE_RATE_LIMITS', DEFAULT_RATE_LIMITS, (value) => parseRateLimits(value, DEFAULT_RATE_LIMITS)),
    };
  });
}

function authSettings(read: EnvSettings, tiers: TierTable): AuthSettings {
  const jwksText = read.raw('CADENCE_AUTH_JWKS_URL');
  const mode = read.choice('CADENCE_AUTH', AUTH_MODES, jwksText ? 'jwks' : 'local');
  if (mode === 'none') {
    const tier = read.text('CADENCE_AUTH_NONE_TIER', 'free', { test: (value) => tiers.has(value), accepts: `a tier of CADENCE_TIERS (${[...tiers.keys()].join(', ')})` });
    return { mode: 'none', tier };
  }
  const checks = {
    algorithms: read.custom('CADENCE_AUTH_ALGORITHMS', [...ASYMMETRIC_ALGORITHMS] as string[], algorithmList),
    clockSkewSeconds: read.number('CADENCE_AUTH_CLOCK_SKEW', 30, { min: 0, max: 3600, unit: 'seconds' }),
    claims: {
      listener: claimName(read, 'CADENCE_AUTH_LISTENER_CLAIM', DEFAULT_CLAIMS.listener),
      tier: claimName(read, 'CADENCE_AUTH_TIER_CLAIM', DEFAULT_CLAIMS.tier),
      country: claimName(read, 'CADENCE_AUTH_COUNTRY_CLAIM', DEFAULT_CLAIMS.country),
    },
  };
  if (mode === 'local') {
    if (jwksText) read.refuse('CADENCE_AUTH=local and CADENCE_AUTH_JWKS_URL contradict each other: unset one');
    return {
      mode,
      keyFile: resolve(read.text('CADENCE_AUTH_LOCAL_KEY', LOCAL_KEY_FILE, { test: (value) => !value.includes('\0'), accepts: 'a file path' })),
      issuer: read.text('CADENCE_AUTH_ISSUER', LOCAL_ISSUER),
      audience: read.text('CADENCE_AUTH_AUDIENCE', LOCAL_AUDIENCE),
      ...checks,
    };
  }
  const jwksUrl = read.custom('CADENCE_AUTH_JWKS_URL', null, httpUrl);
  if (jwksText === undefined) read.refuse('CADENCE_AUTH=jwks needs CADENCE_AUTH_JWKS_URL: the identity provider\'s JWKS, an http(s) URL');
  const issuer = read.text('CADENCE_AUTH_ISSUER', null);
  const audience = read.text('CADENCE_AUTH_AUDIENCE', null);
  // A remote identity provider's tokens must be pinned to it and to us: no defaults to guess.
  if (issuer === null || audience === null) read.refuse('CADENCE_AUTH_JWKS_URL needs CADENCE_AUTH_ISSUER and CADENCE_AUTH_AUDIENCE (the iss and aud its tokens carry for this service)');
  return {
    mode,
    jwksUrl: jwksUrl ?? '',
    issuer: issuer ?? '',
    audience: audience ?? '',
    cooldownSeconds: read.number('CADENCE_AUTH_JWKS_COOLDOWN', 30, { min: 0, max: DAY, unit: 'seconds' }),
    cacheMaxAgeSeconds: read.number('CADENCE_AUTH_JWKS_MAX_AGE', 600, { min: 1, max: DAY, unit: 'seconds' }),
    ...checks,
  };
}

function claimName(read: EnvSettings, name: string, fallback: string): string {
  return read.text(name, fallback, { test: (value) => value.length <= 200, accepts: 'a claim name of at most 200 characters' });
}

/** Only asymmetric algorithms: HS256 keyed with a public key is the classic forgery. */
function algorithmList(value: string): string[] {
  const algorithms = value.split(',').map((alg) => alg.trim()).filter(Boolean);
  const unsafe = algorithms.filter((alg) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg));
  if (unsafe.length > 0 || algorithms.length === 0) throw new SettingRefused(`only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); refused: ${unsafe.join(', ') || '(empty)'}`);
  return algorithms;
}

function httpUrl(value: string): string {
  const accepts = 'an http(s) URL';
  if (!URL.canParse(value)) throw new SettingRefused(accepts);
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new SettingRefused(accepts);
  return url.href;
}
