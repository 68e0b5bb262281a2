// `cadence token --listener ID --tier T [--country CC] [--ttl S]`: an access token from the
// embedded identity provider (the key pair under ./data), which the local origin accepts.

import { CadenceError } from '../errors/cadence-error.ts';
import { loadOrCreateLocalIdentity, signAccessToken } from '../listeners/local-identity.ts';
import type { CadenceConfig } from './config.ts';
import { readListenersConfig } from './listeners-config.ts';

export interface TokenOptions {
  listener: string;
  tier: string;
  country?: string;
  ttl: number;
}

const MAX_TTL_SECONDS = 30 * 86400;

export async function createLocalToken(config: CadenceConfig, options: TokenOptions, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { auth, tiers } = readListenersConfig(env, config);
  if (auth.mode === 'jwks') throw new CadenceError('BAD_CONFIG', 'CADENCE_AUTH_JWKS_URL is set: the origin accepts tokens from that identity provider, not from `cadence token`');
  if (auth.mode === 'none') throw new CadenceError('BAD_CONFIG', 'CADENCE_AUTH=none: the origin takes no tokens');
  if (options.listener.length === 0 || options.listener.length > 256) throw new CadenceError('BAD_INPUT', '--listener must be 1-256 characters');
  if (!tiers.has(options.tier)) throw new CadenceError('BAD_INPUT', `--tier: unknown tier ${JSON.stringify(options.tier)} (configured: ${[...tiers.keys()].join(', ')})`);
  if (options.country !== undefined && !/^[A-Za-z]{2}$/.test(options.country)) throw new CadenceError('BAD_INPUT', `--country must be an ISO 3166-1 alpha-2 code such as GB (got ${JSON.stringify(options.country)})`);
  if (!(options.ttl > 0 && options.ttl <= MAX_TTL_SECONDS)) throw new CadenceError('BAD_INPUT', `--ttl must be between 1 second and ${MAX_TTL_SECONDS} seconds (30 days)`);
  const identity = await loadOrCreateLocalIdentity(auth.keyFile);
  return signAccessToken({
    identity,
    issuer: auth.issuer,
    audience: auth.audience,
    claims: auth.claims,
    listener: options.listener,
    tier: options.tier,
    country: options.country ?? null,
    ttlSeconds: Math.round(options.ttl),
  });
}
