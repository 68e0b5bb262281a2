// Origin settings from the environment, read once when `cadence serve` starts.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_TOKEN_POLICY, parseSigningKeys } from '../origin/signing.ts';
import type { OriginConfig } from '../origin/types.ts';

export const DEV_KEY_FILE = './data/dev-signing-key';

/** CADENCE_SIGNING_KEYS, or a development key generated once into ./data (never for production). */
function signingKeys(env: NodeJS.ProcessEnv): OriginConfig['signingKeys'] {
  if (env.CADENCE_SIGNING_KEYS) return parseSigningKeys(env.CADENCE_SIGNING_KEYS);
  const file = resolve(DEV_KEY_FILE);
  try {
    return parseSigningKeys(readFileSync(file, 'utf8').trim());
  } catch {
    mkdirSync(dirname(file), { recursive: true });
    const value = `dev:${randomBytes(32).toString('base64url')}`;
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return parseSigningKeys(value);
  }
}

function seconds(value: string | undefined, fallback: number): number {
  const number = Number(value);
  return Number.isFinite(number) && number > 0 ? number : fallback;
}

export function readOriginConfig(env: NodeJS.ProcessEnv = process.env): OriginConfig {
  return {
    publicUrl: env.CADENCE_PUBLIC_URL || null,
    signingKeys: signingKeys(env),
    tokenPolicy: {
      windowSeconds: seconds(env.CADENCE_TOKEN_WINDOW, DEFAULT_TOKEN_POLICY.windowSeconds),
      validitySeconds: seconds(env.CADENCE_TOKEN_VALIDITY, DEFAULT_TOKEN_POLICY.validitySeconds),
      skewSeconds: seconds(env.CADENCE_TOKEN_SKEW, DEFAULT_TOKEN_POLICY.skewSeconds),
    },
    countryHeader: (env.CADENCE_COUNTRY_HEADER || 'CloudFront-Viewer-Country').toLowerCase(),
    // Unset: loopback (a CDN on this machine); empty: trust no address's country header.
    trustedProxies: env.CADENCE_TRUSTED_PROXIES === undefined ? undefined : env.CADENCE_TRUSTED_PROXIES.split(',').map((entry) => entry.trim()).filter(Boolean),
    defaultCountry: env.CADENCE_DEFAULT_COUNTRY?.toUpperCase() || null,
    manifestMaxAgeSeconds: seconds(env.CADENCE_MANIFEST_MAX_AGE, 300),
    mediaCacheBytes: seconds(env.CADENCE_MEDIA_CACHE_MB, 256) * 1024 * 1024,
  };
}
