// Listeners end to end, over real HTTP on a published catalog: access tokens verified against a
// real JWKS endpoint on loopback (a key rotated mid-test), tier-scoped grants (manifests list
// exactly the tier's renditions, MPDs schema-valid, playlists parse without warnings, a free
// token gets 403 on FLAC), the embedded identity (`cadence token`), resume positions (per
// listener, surviving a restart; through Redis, written on node A and read on node B) and rate
// limits (429 with Retry-After, counted, then recovering). No 5xx anywhere.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Parser } from 'm3u8-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS, DEFAULT_CLAIMS } from '../listeners/access-token.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';
import { type JwksServer, makeSigningKey, signTestToken, startJwksServer, type TestSigningKey } from './helpers/jwks-server.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { type PublishedFixture, type TestOrigin, publishFixture, startTestOrigin } from './helpers/origin-fixture.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';

const run = promisify(execFile);
const SCHEMA = resolve(REPO_ROOT, '..', 'shared', 'schema', 'dash', 'DASH-MPD.xsd');
let scratch: string;
let fixture: PublishedFixture;
let origin: TestOrigin;
const statuses: number[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-listeners-'));
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  fixture = await publishFixture(scratch, env, 8);
  origin = await startTestOrigin({ env, onLog: recordStatus });
}, 180_000);
afterAll(async () => {
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
  // Refusals are 4xx; nothing in this suite may have been a server error.
  expect(statuses.filter((status) => status >= 500)).toEqual([]);
});

function recordStatus(entry: Record<string, unknown>): void {
  if (typeof entry.status === 'number') statuses.push(entry.status);
}

const playback = (url: string, isrc: string, headers: Record<string, string> = {}): Promise<Response> => fetch(`${url}/v1/tracks/${isrc}/playback`, { headers });

async function grantFor(tier: string, listener = `${tier}-listener`): Promise<PlaybackGrant> {
  const response = await playback(origin.url, fixture.worldwide[0]!, await authorization({ listener, tier }));
  expect(response.status, tier).toBe(200);
  return (await response.json()) as PlaybackGrant;
}

function parsePlaylist(text: string): { variants: string[]; segments: number; warnings: string[] } {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', (warning: { message: string }) => warnings.push(warning.message));
  parser.push(text);
  parser.end();
  return { variants: (parser.manifest.playlists ?? []).map((p) => p.uri), segments: parser.manifest.segments.length, warnings };
}

describe('access tokens from a real JWKS endpoint on loopback', () => {
  const ISSUER = 'https://id.example.test/';
  const AUDIENCE = 'cadence-e2e';
  let jwks: JwksServer;
  let keyA: TestSigningKey;
  let keyB: TestSigningKey;
  let remote: TestOrigin;

  beforeAll(async () => {
    [keyA, keyB] = await Promise.all([makeSigningKey('idp-key-a', 'RS256'), makeSigningKey('idp-key-b', 'EdDSA')]);
    jwks = await startJwksServer([keyA]);
    remote = await startTestOrigin({
      env: fixture.env,
      onLog: recordStatus,
      listeners: {
        auth: { mode: 'jwks', jwksUrl: jwks.url, cooldownSeconds: 0, cacheMaxAgeSeconds: 600, issuer: ISSUER, audience: AUDIENCE, algorithms: ASYMMETRIC_ALGORITHMS, clockSkewSeconds: 5, claims: DEFAULT_CLAIMS },
      },
    });
  });
  afterAll(async () => {
    await remote?.close();
    await jwks?.close();
  });

  it('answers 401 with WWW-Authenticate to missing, expired, wrong-audience, wrong-issuer, alg none, HS256-with-public-key and tampered tokens', async () => {
    const valid = { issuer: ISSUER, audience: AUDIENCE, sub: 'e2e-listener', tier: 'premium' };
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'e2e-listener', tier: 'hifi', exp: Math.floor(Date.now() / 1000) + 600 };
    const { createHmac, createPublicKey } = await import('node:crypto');
    const pem = createPublicKey({ key: keyA.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hsInput = `${b64({ alg: 'HS256', kid: keyA.kid, typ: 'JWT' })}.${b64(claims)}`;
    const genuine = await signTestToken(keyA, valid);
    const [header, , signature] = genuine.split('.');
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      expired: `Bearer ${await signTestToken(keyA, { ...valid, expiresIn: -120 })}`,
      wrongAudience: `Bearer ${await signTestToken(keyA, { ...valid, audience: 'someone-else' })}`,
      wrongIssuer: `Bearer ${await signTestToken(keyA, { ...valid, issuer: 'https://other-idp.example.test/' })}`,
      algNone: `Bearer ${b64({ alg: 'none', kid: keyA.kid })}.${b64(claims)}.`,
      hs256WithPublicKey: `Bearer ${hsInput}.${createHmac('sha256', pem).update(hsInput).digest('base64url')}`,
      tampered: `Bearer ${header}.${b64({ ...claims, tier: 'hifi' })}.${signature}`,
      unknownKey: `Bearer ${await signTestToken(await makeSigningKey('idp-key-unknown'), valid)}`,
    };
    for (const [name, value] of Object.entries(cases)) {
      const response = await playback(remote.url, fixture.worldwide[0]!, value ? { authorization: value } : {});
      expect(response.status, name).toBe(401);
      expect(response.headers.get('www-authenticate'), name).toMatch(/^Bearer realm="cadence"/);
      const text = await response.text();
      expect(JSON.parse(text), name).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(text + response.headers.get('www-authenticate'), name).not.toMatch(/idp-key/);
    }
    const unknownTier = await playback(remote.url, fixture.worldwide[0]!, { authorization: `Bearer ${await signTestToken(keyA, { ...valid, tier: 'platinum' })}` });
    expect(unknownTier.status).toBe(403);
    expect(await unknownTier.json()).toMatchObject({ error: 'tier_not_allowed' });
    const metrics = await (await fetch(`${remote.url}/metrics`)).text();
    expect(metrics).toMatch(/cadence_auth_refusals_total\{status="401",error="invalid_token"\} [1-9]/);
  });

  it('grants a valid token, and follows a key rotated mid-test', async () => {
    const granted = await playback(remote.url, fixture.worldwide[0]!, { authorization: `Bearer ${await signTestToken(keyA, { issuer: ISSUER, audience: AUDIENCE, sub: 'e2e-listener', tier: 'premium' })}` });
    expect(granted.status).toBe(200);
    expect(await granted.json()).toMatchObject({ tier: 'premium', renditions: ['aac-96', 'aac-160', 'aac-320'] });
    const fetchesBefore = jwks.fetches();
    jwks.serve([keyB]); // the identity provider rotates: A retired, B signs from now on
    const rotated = await playback(remote.url, fixture.worldwide[0]!, { authorization: `Bearer ${await signTestToken(keyB, { issuer: ISSUER, audience: AUDIENCE, sub: 'e2e-listener', tier: 'hifi' })}` });
    expect(rotated.status).toBe(200);
    expect(jwks.fetches()).toBe(fetchesBefore + 1);
    const retired = await playback(remote.url, fixture.worldwide[0]!, { authorization: `Bearer ${await signTestToken(keyA, { issuer: ISSUER, audience: AUDIENCE, sub: 'e2e-listener', tier: 'hifi' })}` });
    expect(retired.status).toBe(401);
  });
});

describe('tiers', () => {
  const TIERS = {
    free: ['aac-96', 'aac-160'],
    premium: ['aac-96', 'aac-160', 'aac-320'],
    hifi: ['aac-96', 'aac-160', 'aac-320', 'flac'],
  } as const;

  it.each(Object.entries(TIERS))('a %s grant lists exactly its renditions (HLS and DASH, both addressings), schema-valid and warning-free', async (tier, renditions) => {
    const grant = await grantFor(tier);
    expect(grant).toMatchObject({ tier, renditions });
    for (const [multivariant, addressing] of [[grant.hls, 'byterange'], [grant.segments.hls, 'segments']] as const) {
      const parsed = parsePlaylist(await (await fetch(`${origin.url}${multivariant}`)).text());
      expect(parsed.warnings, multivariant).toEqual([]);
      const expected = renditions.map((id) => (addressing === 'segments' ? `${id}/index.m3u8` : `${id}.m3u8`));
      expect(parsed.variants).toEqual(expected);
      const base = multivariant.slice(0, -'master.m3u8'.length);
      for (const uri of parsed.variants) {
        const media = await fetch(`${origin.url}${base}${uri}`);
        expect(media.status, uri).toBe(200);
        const playlist = parsePlaylist(await media.text());
        expect(playlist.warnings, uri).toEqual([]);
        expect(playlist.segments, uri).toBeGreaterThan(0);
      }
    }
    for (const mpd of [grant.dash, grant.segments.dash]) {
      const text = await (await fetch(`${origin.url}${mpd}`)).text();
      const ids = [...text.matchAll(/<Representation[^>]* id="([^"]+)"/g)].map((match) => match[1]);
      expect(ids, mpd).toEqual([...renditions]);
      const file = join(scratch, `${tier}-${mpd.includes('/s/') ? 'segments' : 'byterange'}.mpd`);
      await writeFile(file, text);
      await run('xmllint', ['--noout', '--schema', SCHEMA, file]);
    }
  });

  it('scopes the media token to the tier: free and premium get 403 on every FLAC URL, hi-fi gets them', async () => {
    const flacPaths = ['flac.mp4', 'flac.m3u8', 's/flac/index.m3u8', 's/flac/init.mp4', 's/flac/1.m4s'];
    for (const tier of ['free', 'premium', 'hifi']) {
      const base = (await grantFor(tier)).hls.slice(0, -'master.m3u8'.length);
      for (const path of flacPaths) {
        // Twice: the second answer comes from the remembered resolution and must agree.
        for (let attempt = 0; attempt < 2; attempt++) {
          const response = await fetch(`${origin.url}${base}${path}`, { headers: { Range: 'bytes=0-99' } });
          if (tier === 'hifi') expect([200, 206], `${tier} ${path}`).toContain(response.status);
          else expect(response.status, `${tier} ${path}`).toBe(403);
          await response.arrayBuffer();
        }
      }
      const aac = await fetch(`${origin.url}${base}s/aac-160/1.m4s`);
      expect(aac.status, tier).toBe(200);
      await aac.arrayBuffer();
    }
    // Premium's URL with the rendition set digit edited to hi-fi's is not signed.
    const premium = (await grantFor('premium')).hls;
    const [, , token] = premium.split('/');
    const widened = premium.replace(token!, token!.replace(/\.7\./, '.f.')).replace('master.m3u8', 'flac.mp4');
    expect(widened).not.toBe(premium);
    expect((await fetch(`${origin.url}${widened}`)).status).toBe(403);
  });

  it('refuses a token whose tier is not configured (403, never widened)', async () => {
    const response = await playback(origin.url, fixture.worldwide[0]!, await authorization({ tier: 'platinum' }));
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(await response.json()).toMatchObject({ error: 'tier_not_allowed' });
  });
});

describe('the embedded identity provider', () => {
  it('`cadence token` prints a token the local origin accepts; the key file is created once with mode 0600', async () => {
    const keyFile = join(scratch, 'identity', 'auth-key.jwk');
    const env = { CADENCE_AUTH_LOCAL_KEY: keyFile, CADENCE_CATALOG: fixture.env.CADENCE_CATALOG };
    const issued = await runCadence(['token', '--listener', 'cli-listener', '--tier', 'premium', '--country', 'gb', '--ttl', '10m'], { env });
    expect(issued.stderr).toBe('');
    expect(issued.code).toBe(0);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const local = await startTestOrigin({
      env: fixture.env,
      onLog: recordStatus,
      listeners: { auth: { mode: 'local', keyFile, issuer: 'cadence-local', audience: 'cadence', algorithms: ASYMMETRIC_ALGORITHMS, clockSkewSeconds: 30, claims: DEFAULT_CLAIMS } },
    });
    try {
      // GB-only release: the token's country is what lets it play.
      const response = await playback(local.url, fixture.gbOnly, { authorization: `Bearer ${issued.stdout.trim()}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ tier: 'premium' });
      // The same key file, read again (a second token) still verifies: the key was not replaced.
      const again = await runCadence(['token', '--listener', 'cli-listener', '--tier', 'free'], { env });
      expect((await playback(local.url, fixture.worldwide[0]!, { authorization: `Bearer ${again.stdout.trim()}` })).status).toBe(200);
    } finally {
      await local.close();
    }
    const bad = await runCadence(['token', '--listener', 'x', '--tier', 'gold'], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/^BAD_INPUT: --tier: unknown tier "gold"/);
  });

  it('has a no-authentication mode only when configured, at the configured tier', async () => {
    const open = await startTestOrigin({ env: fixture.env, onLog: recordStatus, listeners: { auth: { mode: 'none', tier: 'free' } } });
    try {
      const response = await playback(open.url, fixture.worldwide[0]!);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ tier: 'free', renditions: ['aac-96', 'aac-160'] });
    } finally {
      await open.close();
    }
    expect((await playback(origin.url, fixture.worldwide[0]!)).status).toBe(401);
  });
});

describe('resume positions', () => {
  const put = async (url: string, isrc: string, body: unknown, headers: Record<string, string>): Promise<Response> =>
    fetch(`${url}/v1/me/positions/${isrc}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('round-trip per listener, invisible to others, newest first, and survive an origin restart', async () => {
    const alice = await authorization({ listener: 'alice', tier: 'free' });
    const bob = await authorization({ listener: 'bob', tier: 'hifi' });
    const [first, second] = fixture.worldwide as [string, string];
    expect((await put(origin.url, first, { positionMs: 1500 }, alice)).status).toBe(200);
    expect((await put(origin.url, second, { positionMs: 2500 }, alice)).status).toBe(200);
    const saved = await (await fetch(`${origin.url}/v1/me/positions/${first}`, { headers: alice })).json();
    expect(saved).toMatchObject({ isrc: first, positionMs: 1500 });
    expect((await fetch(`${origin.url}/v1/me/positions/${first}`, { headers: bob })).status).toBe(404);
    expect(await (await fetch(`${origin.url}/v1/me/positions`, { headers: bob })).json()).toEqual({ positions: [] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await put(origin.url, first, { positionMs: 4000 }, alice)).status).toBe(200);
    const listed = (await (await fetch(`${origin.url}/v1/me/positions?limit=5`, { headers: alice })).json()) as { positions: Array<{ isrc: string; positionMs: number }> };
    expect(listed.positions.map(({ isrc, positionMs }) => ({ isrc, positionMs }))).toEqual([
      { isrc: first, positionMs: 4000 },
      { isrc: second, positionMs: 2500 },
    ]);
    expect(((await (await fetch(`${origin.url}/v1/me/positions?limit=1`, { headers: alice })).json()) as { positions: unknown[] }).positions).toHaveLength(1);

    // A restarted origin (same catalog folder, so the same listeners.db) still knows.
    const restarted = await startTestOrigin({ env: fixture.env, onLog: recordStatus });
    try {
      expect(await (await fetch(`${restarted.url}/v1/me/positions/${first}`, { headers: alice })).json()).toMatchObject({ positionMs: 4000 });
    } finally {
      await restarted.close();
    }
  });

  it('refuse bad positions (400), unknown tracks (404) and missing tokens (401)', async () => {
    const carol = await authorization({ listener: 'carol', tier: 'free' });
    const isrc = fixture.worldwide[0]!;
    const track = (await (await fetch(`${origin.url}/v1/tracks/${isrc}`)).json()) as { duration: number };
    const durationMs = Math.round(track.duration * 1000);
    expect((await put(origin.url, isrc, { positionMs: durationMs }, carol)).status).toBe(200);
    for (const body of [{ positionMs: -1 }, { positionMs: durationMs + 1 }, { positionMs: 1.5 }, { positionMs: '100' }, {}, 'not json', '[]']) {
      const response = await put(origin.url, isrc, body, carol);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'bad_request' });
    }
    expect((await put(origin.url, 'GBCAD9900001', { positionMs: 0 }, carol)).status).toBe(404);
    expect((await put(origin.url, 'not-an-isrc', { positionMs: 0 }, carol)).status).toBe(404);
    expect((await put(origin.url, isrc, { positionMs: 0 }, {})).status).toBe(401);
    expect((await fetch(`${origin.url}/v1/me/positions`)).status).toBe(401);
    expect((await fetch(`${origin.url}/v1/me/positions?limit=0`, { headers: carol })).status).toBe(400);
    expect((await put(origin.url, isrc, JSON.stringify({ positionMs: 1, pad: 'x'.repeat(5000) }), carol)).status).toBe(413);
  });
});

describe('with Redis (CADENCE_QUEUE): two origin nodes', () => {
  let redis: TestRedis;
  let nodeA: TestOrigin;
  let nodeB: TestOrigin;

  beforeAll(async () => {
    redis = await startRedis();
    const listeners = { redisUrl: redis.url, rateLimits: { 'grant.listener': { points: 3, seconds: 60 } } };
    // Separate catalogs' folders would be separate listeners.db files: Redis is the shared truth.
    nodeA = await startTestOrigin({ env: fixture.env, onLog: recordStatus, listeners: { ...listeners, positionsPath: join(scratch, 'a', 'never.db') } });
    nodeB = await startTestOrigin({ env: fixture.env, onLog: recordStatus, listeners: { ...listeners, positionsPath: join(scratch, 'b', 'never.db') } });
  }, 30_000);
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await redis?.close();
  });

  it('a position written on node A is read on node B', async () => {
    const dave = await authorization({ listener: 'dave', tier: 'premium' });
    const isrc = fixture.worldwide[1]!;
    const written = await fetch(`${nodeA.url}/v1/me/positions/${isrc}`, { method: 'PUT', headers: { ...dave, 'content-type': 'application/json' }, body: JSON.stringify({ positionMs: 3210 }) });
    expect(written.status).toBe(200);
    expect(await (await fetch(`${nodeB.url}/v1/me/positions/${isrc}`, { headers: dave })).json()).toMatchObject({ isrc, positionMs: 3210 });
    expect(await (await fetch(`${nodeB.url}/v1/me/positions`, { headers: dave })).json()).toMatchObject({ positions: [{ isrc, positionMs: 3210 }] });
    expect((await fetch(`${nodeB.url}/v1/me/positions/${isrc}`, { headers: await authorization({ listener: 'erin' }) })).status).toBe(404);
  });

  it('shares rate-limit budgets between nodes', async () => {
    const frank = await authorization({ listener: 'frank', tier: 'free' });
    const isrc = fixture.worldwide[0]!;
    expect((await playback(nodeA.url, isrc, frank)).status).toBe(200);
    expect((await playback(nodeB.url, isrc, frank)).status).toBe(200);
    expect((await playback(nodeA.url, isrc, frank)).status).toBe(200);
    const limited = await playback(nodeB.url, isrc, frank);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('rate limits', () => {
  it('answer 429 with Retry-After per listener and per address, count it in /metrics, and recover', async () => {
    const limited = await startTestOrigin({
      env: fixture.env,
      onLog: recordStatus,
      listeners: {
        rateLimits: { 'grant.listener': { points: 2, seconds: 2 }, 'grant.address': { points: 6, seconds: 2 }, 'search.address': { points: 3, seconds: 2 }, 'positions.listener': { points: 2, seconds: 2 } },
      },
    });
    try {
      const gina = await authorization({ listener: 'gina', tier: 'free' });
      const isrc = fixture.worldwide[0]!;
      expect((await playback(limited.url, isrc, gina)).status).toBe(200);
      expect((await playback(limited.url, isrc, gina)).status).toBe(200);
      const refused = await playback(limited.url, isrc, gina);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^[12]$/);
      expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
      // Another listener has a budget of their own.
      expect((await playback(limited.url, isrc, await authorization({ listener: 'hank', tier: 'free' }))).status).toBe(200);
      // The address budget is spent before authentication: a flood of bad tokens is limited too.
      expect((await playback(limited.url, isrc, { authorization: 'Bearer not.a.token' })).status).toBe(401);
      expect((await playback(limited.url, isrc)).status).toBe(401);
      expect((await playback(limited.url, isrc, { authorization: 'Bearer not.a.token' })).status).toBe(429);

      const search = (): Promise<Response> => fetch(`${limited.url}/v1/search?q=aurora`);
      for (let i = 0; i < 3; i++) expect((await search()).status).toBe(200);
      expect((await search()).status).toBe(429);

      expect((await fetch(`${limited.url}/v1/me/positions`, { headers: gina })).status).toBe(200);
      expect((await fetch(`${limited.url}/v1/me/positions`, { headers: gina })).status).toBe(200);
      expect((await fetch(`${limited.url}/v1/me/positions`, { headers: gina })).status).toBe(429);

      const metrics = await (await fetch(`${limited.url}/metrics`)).text();
      expect(metrics).toMatch(/cadence_rate_limited_total\{action="grant",scope="listener"\} 1/);
      expect(metrics).toMatch(/cadence_rate_limited_total\{action="grant",scope="address"\} 1/);
      expect(metrics).toMatch(/cadence_rate_limited_total\{action="search",scope="address"\} 1/);
      expect(metrics).toMatch(/cadence_rate_limited_total\{action="positions",scope="listener"\} 1/);

      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await playback(limited.url, isrc, gina)).status).toBe(200);
      expect((await search()).status).toBe(200);
    } finally {
      await limited.close();
    }
  }, 20_000);
});
