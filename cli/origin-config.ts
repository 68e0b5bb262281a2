// Origin settings from the environment, read once when `cadence serve` starts: every variable
// through cli/env-settings.ts (refused at start, never replaced by its default), no side effects.

import { trustedProxies } from '../origin/client-country.ts';
import { DEFAULT_HTTP_LIMITS } from '../origin/server.ts';
import { DEFAULT_TOKEN_POLICY, parseSigningKeys, type SigningKey } from '../origin/signing.ts';
import type { HttpServerLimits, OriginConfig } from '../origin/types.ts';
import { isTerritory } from '../pipeline/territories.ts';
import { readSettings, SettingRefused } from './env-settings.ts';
import { DEV_KEY_FILE, devSigningKeys } from './dev-signing-key.ts';

export interface OriginSettings {
  /** What the origin app takes, but its signing keys. */
  app: Omit<OriginConfig, 'signingKeys'>;
  /** CADENCE_SIGNING_KEYS; null when unset (the development key in ./data is used). */
  signingKeys: SigningKey[] | null;
  /** How long node:http waits for clients. */
  http: HttpServerLimits;
}

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DAY = 86400;

export function readOriginSettings(env: NodeJS.ProcessEnv = process.env): OriginSettings {
  return readSettings(env, (read) => {
    const seconds = (name: string, fallback: number, min: number, max: number): number => read.number(name, fallback, { min, max, unit: 'seconds' });
    const http: HttpServerLimits = {
      headersTimeoutSeconds: seconds('CADENCE_HEADERS_TIMEOUT', DEFAULT_HTTP_LIMITS.headersTimeoutSeconds, 1, 300),
      requestTimeoutSeconds: seconds('CADENCE_REQUEST_TIMEOUT', DEFAULT_HTTP_LIMITS.requestTimeoutSeconds, 1, 3600),
      keepAliveTimeoutSeconds: seconds('CADENCE_KEEP_ALIVE_TIMEOUT', DEFAULT_HTTP_LIMITS.keepAliveTimeoutSeconds, 1, 600),
      maxRequestsPerSocket: read.number('CADENCE_KEEP_ALIVE_MAX_REQUESTS', DEFAULT_HTTP_LIMITS.maxRequestsPerSocket, { min: 0, max: 1_000_000, unit: 'requests (0: no limit)' }),
    };
    // node:http refuses a headers timeout longer than the request timeout.
    if (http.headersTimeoutSeconds > http.requestTimeoutSeconds) {
      read.refuse(`CADENCE_HEADERS_TIMEOUT (${http.headersTimeoutSeconds}) must not be longer than CADENCE_REQUEST_TIMEOUT (${http.requestTimeoutSeconds})`);
    }
    return {
      app: {
        publicUrl: read.custom('CADENCE_PUBLIC_URL', null, publicUrl),
        tokenPolicy: {
          windowSeconds: seconds('CADENCE_TOKEN_WINDOW', DEFAULT_TOKEN_POLICY.windowSeconds, 1, DAY),
          validitySeconds: seconds('CADENCE_TOKEN_VALIDITY', DEFAULT_TOKEN_POLICY.validitySeconds, 1, 7 * DAY),
          skewSeconds: seconds('CADENCE_TOKEN_SKEW', DEFAULT_TOKEN_POLICY.skewSeconds, 0, 3600),
        },
        countryHeader: read.text('CADENCE_COUNTRY_HEADER', 'CloudFront-Viewer-Country', { test: (value) => HTTP_TOKEN.test(value), accepts: 'an HTTP header name' }).toLowerCase(),
        // Unset: loopback (a CDN on this machine); empty: trust no address's country header.
        trustedProxies: env.CADENCE_TRUSTED_PROXIES?.trim() === '' ? [] : read.custom('CADENCE_TRUSTED_PROXIES', undefined, proxyList),
        defaultCountry: read.text('CADENCE_DEFAULT_COUNTRY', null, { test: (value) => value.length === 2 && value.toUpperCase() !== 'WW' && isTerritory(value.toUpperCase()), accepts: 'an ISO 3166-1 alpha-2 country code such as GB' })?.toUpperCase() ?? null,
        manifestMaxAgeSeconds: seconds('CADENCE_MANIFEST_MAX_AGE', 300, 0, DAY),
        mediaCacheBytes: read.number('CADENCE_MEDIA_CACHE_MB', 256, { min: 1, max: 1024 * 1024, unit: 'MiB' }) * 1024 * 1024,
        // 0 counts every grant; unset keeps the app's default window.
        playWindowSeconds: read.number('CADENCE_PLAY_WINDOW', undefined, { min: 0, max: DAY, unit: 'seconds (0 counts every grant)' }),
      },
      signingKeys: read.custom('CADENCE_SIGNING_KEYS', null, parseSigningKeys, { secret: true }),
      http,
    };
  });
}

/** The app's configuration: the settings plus their signing keys (creating the development key if needed). */
export function originConfig(settings: OriginSettings, devKeyFile: string = DEV_KEY_FILE): OriginConfig {
  return { ...settings.app, signingKeys: settings.signingKeys ?? devSigningKeys(devKeyFile) };
}

/** An absolute http(s) URL without query or fragment: grant URLs are built by appending paths. */
function publicUrl(value: string): string {
  const accepts = 'an absolute http(s) URL without query or fragment, such as https://cdn.example.com';
  if (!URL.canParse(value)) throw new SettingRefused(accepts);
  const url = new URL(value);
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || value.includes('#') || value.includes('?')) throw new SettingRefused(accepts);
  return value;
}

/** `10.0.0.0/8,127.0.0.1`: each entry checked now (origin/client-country.ts names a wrong one). */
function proxyList(value: string): string[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  trustedProxies(entries);
  return entries;
}
