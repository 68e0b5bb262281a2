import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_LIMITS } from '../origin/server.ts';
import { DEFAULT_TOKEN_POLICY } from '../origin/signing.ts';
import { originConfig, readOriginSettings } from './origin-config.ts';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    readOriginSettings(env);
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
}

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-origin-config-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('readOriginSettings', () => {
  it('has defaults, and reading them writes nothing', async () => {
    const settings = readOriginSettings({});
    expect(settings.app.tokenPolicy).toEqual(DEFAULT_TOKEN_POLICY);
    expect(settings.http).toEqual(DEFAULT_HTTP_LIMITS);
    expect(settings.signingKeys).toBeNull();
    expect(settings.app).toMatchObject({ publicUrl: null, countryHeader: 'cloudfront-viewer-country', defaultCountry: null, manifestMaxAgeSeconds: 300, mediaCacheBytes: 256 * 1024 * 1024 });
  });

  it('takes CADENCE_TOKEN_SKEW=0 as 0 and CADENCE_MANIFEST_MAX_AGE=0 as 0', () => {
    const settings = readOriginSettings({ CADENCE_TOKEN_SKEW: '0', CADENCE_MANIFEST_MAX_AGE: '0' });
    expect(settings.app.tokenPolicy.skewSeconds).toBe(0);
    expect(settings.app.manifestMaxAgeSeconds).toBe(0);
  });

  it('refuses values out of range or not numbers, naming each variable and what it accepts', () => {
    expect(refusal({ CADENCE_TOKEN_SKEW: 'abc' })).toBe('BAD_CONFIG: CADENCE_TOKEN_SKEW="abc": expected a whole number of seconds from 0 to 3600');
    expect(refusal({ CADENCE_TOKEN_WINDOW: '0' })).toBe('BAD_CONFIG: CADENCE_TOKEN_WINDOW="0": expected a whole number of seconds from 1 to 86400');
    expect(refusal({ CADENCE_MEDIA_CACHE_MB: '-5' })).toBe('BAD_CONFIG: CADENCE_MEDIA_CACHE_MB="-5": expected a whole number of MiB from 1 to 1048576');
    expect(refusal({ CADENCE_HEADERS_TIMEOUT: '2m' })).toBe('BAD_CONFIG: CADENCE_HEADERS_TIMEOUT="2m": expected a whole number of seconds from 1 to 300');
    expect(refusal({ CADENCE_DEFAULT_COUNTRY: 'England' })).toMatch(/^BAD_CONFIG: CADENCE_DEFAULT_COUNTRY="England": expected an ISO 3166-1 alpha-2/);
    expect(refusal({ CADENCE_PUBLIC_URL: 'cdn.example.com' })).toMatch(/^BAD_CONFIG: CADENCE_PUBLIC_URL="cdn.example.com": expected an absolute http\(s\) URL/);
    expect(refusal({ CADENCE_COUNTRY_HEADER: 'Viewer Country' })).toMatch(/^BAD_CONFIG: CADENCE_COUNTRY_HEADER="Viewer Country": expected an HTTP header name/);
    expect(refusal({ CADENCE_HEADERS_TIMEOUT: '30', CADENCE_REQUEST_TIMEOUT: '10' })).toBe(
      'BAD_CONFIG: CADENCE_HEADERS_TIMEOUT (30) must not be longer than CADENCE_REQUEST_TIMEOUT (10)',
    );
  });

  it('quotes a bad signing key id, never the secret', () => {
    expect(refusal({ CADENCE_SIGNING_KEYS: 'k 1:0123456789abcdef0' })).toBe('BAD_CONFIG: CADENCE_SIGNING_KEYS: signing key id "k 1" must be 1-32 of A-Z a-z 0-9 _ -');
    const noId = refusal({ CADENCE_SIGNING_KEYS: 'supersecretvalue0123456789' });
    expect(noId).toMatch(/^BAD_CONFIG: CADENCE_SIGNING_KEYS: a signing key has no "kid:"/);
    expect(noId).not.toContain('supersecret');
  });

  it('takes the HTTP limits and the other settings as given', () => {
    const settings = readOriginSettings({
      CADENCE_HEADERS_TIMEOUT: '5',
      CADENCE_REQUEST_TIMEOUT: '30',
      CADENCE_KEEP_ALIVE_TIMEOUT: '2',
      CADENCE_KEEP_ALIVE_MAX_REQUESTS: '0',
      CADENCE_DEFAULT_COUNTRY: 'gb',
      CADENCE_PUBLIC_URL: 'https://cdn.example.com/audio',
      CADENCE_SIGNING_KEYS: 'k1:0123456789abcdef0,k0:fedcba98765432100',
    });
    expect(settings.http).toEqual({ headersTimeoutSeconds: 5, requestTimeoutSeconds: 30, keepAliveTimeoutSeconds: 2, maxRequestsPerSocket: 0 });
    expect(settings.app.defaultCountry).toBe('GB');
    expect(settings.app.publicUrl).toBe('https://cdn.example.com/audio');
    expect(settings.signingKeys?.map((key) => key.id)).toEqual(['k1', 'k0']);
  });
});

describe('originConfig', () => {
  it('creates the development key once, as an explicit step, and reuses it', async () => {
    const file = join(scratch, 'data', 'dev-signing-key');
    const first = originConfig(readOriginSettings({}), file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const second = originConfig(readOriginSettings({}), file);
    expect(second.signingKeys).toEqual(first.signingKeys);
    expect(first.signingKeys[0]!.id).toBe('dev');
    expect((await readFile(file, 'utf8')).trim()).toMatch(/^dev:/);
  });

  it('uses CADENCE_SIGNING_KEYS without touching the development key file', async () => {
    const file = join(scratch, 'dev-signing-key');
    const config = originConfig(readOriginSettings({ CADENCE_SIGNING_KEYS: 'k1:0123456789abcdef0' }), file);
    expect(config.signingKeys.map((key) => key.id)).toEqual(['k1']);
    await expect(stat(file)).rejects.toThrow();
  });

  it('refuses a damaged development key file with a clear BAD_CONFIG', async () => {
    const file = join(scratch, 'dev-signing-key');
    await writeFile(file, 'garbage\n');
    expect(() => originConfig(readOriginSettings({}), file)).toThrow(/the development signing key .* is not valid .*delete it/);
  });
});
