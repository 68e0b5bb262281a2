// Access tokens for the origin suites: one embedded identity (a real ES256 key pair in a temp
// file, through listeners/local-identity.ts) per test process, the listener settings a test
// origin uses, and `authorization(...)` headers carrying tokens it accepts.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateLocalIdentity, type LocalIdentity, signAccessToken } from '../../listeners/local-identity.ts';
import type { AuthSettings, ListenersConfig } from '../../listeners/open-listeners.ts';
import { DEFAULT_CLAIMS, ASYMMETRIC_ALGORITHMS } from '../../listeners/access-token.ts';
import { DEFAULT_TIERS } from '../../listeners/tiers.ts';

export const TEST_ISSUER = 'cadence-test';
export const TEST_AUDIENCE = 'cadence';
const KEY_FILE = join(mkdtempSync(join(tmpdir(), 'cadence-identity-')), 'auth-key.jwk');

let identity: Promise<LocalIdentity> | undefined;
const testIdentity = (): Promise<LocalIdentity> => (identity ??= loadOrCreateLocalIdentity(KEY_FILE));

export const TEST_AUTH: AuthSettings = {
  mode: 'local',
  keyFile: KEY_FILE,
  issuer: TEST_ISSUER,
  audience: TEST_AUDIENCE,
  algorithms: ASYMMETRIC_ALGORITHMS,
  clockSkewSeconds: 30,
  claims: DEFAULT_CLAIMS,
};

/** Listener settings for a test origin: local tokens, default tiers, no rate limits unless given. */
export function testListenersConfig(positionsPath: string, overrides: Partial<ListenersConfig> = {}): ListenersConfig {
  return { auth: TEST_AUTH, tiers: DEFAULT_TIERS, positionsPath, redisUrl: null, rateLimits: {}, ...overrides };
}

export async function accessToken({ listener = 'test-listener', tier = 'hifi', country, ttlSeconds = 3600 }: { listener?: string; tier?: string; country?: string; ttlSeconds?: number } = {}): Promise<string> {
  return signAccessToken({ identity: await testIdentity(), issuer: TEST_ISSUER, audience: TEST_AUDIENCE, listener, tier, country, ttlSeconds });
}

/** `{ authorization: 'Bearer …' }` for fetch; a hi-fi test listener unless told otherwise. */
export async function authorization(options: Parameters<typeof accessToken>[0] = {}): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await accessToken(options)}` };
}

/** The environment a `cadence serve` process needs to accept this suite's tokens (its local identity). */
export function testAuthEnv(): NodeJS.ProcessEnv {
  return { CADENCE_AUTH: 'local', CADENCE_AUTH_LOCAL_KEY: KEY_FILE, CADENCE_AUTH_ISSUER: TEST_ISSUER, CADENCE_AUTH_AUDIENCE: TEST_AUDIENCE };
}
