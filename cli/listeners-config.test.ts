import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readListenersConfig } from './listeners-config.ts';

const catalogPath = '/srv/cadence/catalog.db';
const read = (env: NodeJS.ProcessEnv, queueUrl: string | null = null) => readListenersConfig(env, { catalogPath, queueUrl });

describe('readListenersConfig', () => {
  it('defaults to the embedded identity, the default tiers, listeners.db beside the catalog and in-memory limits', () => {
    const config = read({});
    expect(config.auth).toMatchObject({ mode: 'local', issuer: 'cadence-local', audience: 'cadence', claims: { listener: 'sub', tier: 'tier', country: 'country' } });
    expect([...config.tiers.entries()]).toEqual([
      ['free', ['aac-96', 'aac-160']],
      ['premium', ['aac-96', 'aac-160', 'aac-320']],
      ['hifi', ['aac-96', 'aac-160', 'aac-320', 'flac']],
    ]);
    expect(config.positionsPath).toBe(join('/srv/cadence', 'listeners.db'));
    expect(config.redisUrl).toBeNull();
    expect(config.rateLimits['grant.listener']).toEqual({ points: 60, seconds: 60 });
  });

  it('uses a remote JWKS only with an issuer and audience, and reads the claim names, skew and cooldown', () => {
    expect(() => read({ CADENCE_AUTH_JWKS_URL: 'https://id.example/jwks.json' })).toThrow(/CADENCE_AUTH_ISSUER and CADENCE_AUTH_AUDIENCE/);
    const config = read({
      CADENCE_AUTH_JWKS_URL: 'https://id.example/jwks.json',
      CADENCE_AUTH_ISSUER: 'https://id.example/',
      CADENCE_AUTH_AUDIENCE: 'music-api',
      CADENCE_AUTH_TIER_CLAIM: 'https://music.example/plan',
      CADENCE_AUTH_LISTENER_CLAIM: 'uid',
      CADENCE_AUTH_CLOCK_SKEW: '10',
      CADENCE_AUTH_JWKS_COOLDOWN: '5',
      CADENCE_AUTH_ALGORITHMS: 'RS256,ES256',
    });
    expect(config.auth).toMatchObject({ mode: 'jwks', jwksUrl: 'https://id.example/jwks.json', issuer: 'https://id.example/', audience: 'music-api', clockSkewSeconds: 10, cooldownSeconds: 5, algorithms: ['RS256', 'ES256'] });
    expect(config.auth).toMatchObject({ claims: { listener: 'uid', tier: 'https://music.example/plan', country: 'country' } });
  });

  it('refuses symmetric algorithms, unknown modes, bad URLs and contradictions, naming the variable', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ CADENCE_AUTH_ALGORITHMS: 'HS256' }, /CADENCE_AUTH_ALGORITHMS.*HS256/],
      [{ CADENCE_AUTH_ALGORITHMS: 'none' }, /CADENCE_AUTH_ALGORITHMS/],
      [{ CADENCE_AUTH: 'off' }, /CADENCE_AUTH="off": expected one of jwks, local, none/],
      [{ CADENCE_AUTH: 'jwks', CADENCE_AUTH_ISSUER: 'i', CADENCE_AUTH_AUDIENCE: 'a' }, /CADENCE_AUTH=jwks needs CADENCE_AUTH_JWKS_URL/],
      [{ CADENCE_AUTH_JWKS_URL: 'file:///etc/jwks.json', CADENCE_AUTH_ISSUER: 'i', CADENCE_AUTH_AUDIENCE: 'a' }, /http\(s\)/],
      [{ CADENCE_AUTH: 'local', CADENCE_AUTH_JWKS_URL: 'https://id.example/jwks' }, /contradict/],
      [{ CADENCE_AUTH: 'none', CADENCE_AUTH_NONE_TIER: 'gold' }, /CADENCE_AUTH_NONE_TIER="gold": expected a tier of CADENCE_TIERS/],
      [{ CADENCE_TIERS: 'free:aac-96,free:flac' }, /listed twice/],
      [{ CADENCE_TIERS: 'free:mp3-128' }, /unknown rendition "mp3-128"/],
      [{ CADENCE_TIERS: 'Free Tier:aac-96' }, /CADENCE_TIERS/],
      [{ CADENCE_RATE_LIMITS: 'grant.listener=lots' }, /CADENCE_RATE_LIMITS/],
      [{ CADENCE_AUTH_CLOCK_SKEW: '-5' }, /CADENCE_AUTH_CLOCK_SKEW/],
    ];
    for (const [env, message] of cases) expect(() => read(env), JSON.stringify(env)).toThrow(message);
  });

  it('refuses every bad setting at once as BAD_CONFIG, never falling back to a default', () => {
    let refused: unknown;
    try {
      read({ CADENCE_AUTH_CLOCK_SKEW: 'soon', CADENCE_RATE_LIMITS: 'grant.listener=lots', CADENCE_TIERS: 'free:mp3-128' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'BAD_CONFIG' });
    const message = (refused as Error).message;
    expect(message).toMatch(/^3 settings refused/);
    expect(message).toContain('CADENCE_AUTH_CLOCK_SKEW="soon": expected a whole number of seconds from 0 to 3600');
    expect(message).toMatch(/CADENCE_RATE_LIMITS="grant.listener=lots": "grant.listener=lots" must be/);
    expect(message).toMatch(/CADENCE_TIERS="free:mp3-128": .*unknown rendition "mp3-128"/);
    expect(read({ CADENCE_AUTH_CLOCK_SKEW: '0' }).auth).toMatchObject({ clockSkewSeconds: 0 });
  });

  it('turns authentication off only when CADENCE_AUTH=none says so, at a configured tier', () => {
    expect(read({ CADENCE_AUTH: 'none' }).auth).toEqual({ mode: 'none', tier: 'free' });
    expect(read({ CADENCE_AUTH: 'none', CADENCE_TIERS: 'basic:aac-96', CADENCE_AUTH_NONE_TIER: 'basic' }).auth).toEqual({ mode: 'none', tier: 'basic' });
    expect(read({ CADENCE_AUTH: '' }).auth.mode).toBe('local');
  });

  it('reads custom tiers (renditions kept in ladder order), the listener file and Redis', () => {
    const config = read({ CADENCE_TIERS: 'lossless:flac+aac-96, basic:aac-96', CADENCE_LISTENERS_DB: '/var/lib/cadence/l.db' }, 'redis://127.0.0.1:6379/2');
    expect(config.tiers.get('lossless')).toEqual(['aac-96', 'flac']);
    expect(config.tiers.has('free')).toBe(false);
    expect(config.positionsPath).toBe('/var/lib/cadence/l.db');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379/2');
  });
});
