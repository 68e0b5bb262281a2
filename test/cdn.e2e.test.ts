// The nginx CDN in front of the origin: 20 free and 20 premium listeners, each with their own
// access token and grant for one track in one token window, make one origin fetch per object per
// tier's URL set; refused tokens are never served from the cache.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Parser } from 'm3u8-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybackGrant } from '../origin/types.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { type NginxCdn, startNginxCdn } from './helpers/nginx-cdn.ts';
import { type PublishedFixture, type TestOrigin, publishFixture, startTestOrigin } from './helpers/origin-fixture.ts';

const LISTENERS = 20;
let scratch: string;
let fixture: PublishedFixture;
let origin: TestOrigin;
let cdn: NginxCdn;
const originRequests: Array<{ path: string; range: string; status: number }> = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-cdn-'));
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  fixture = await publishFixture(scratch, env);
  origin = await startTestOrigin({
    env,
    onLog: (entry) => {
      if (entry.path && String(entry.path).startsWith('/media/')) {
        originRequests.push({ path: String(entry.path), range: String(entry.range ?? ''), status: Number(entry.status) });
      }
    },
  });
  cdn = await startNginxCdn({ origin: origin.url });
}, 180_000);
afterAll(async () => {
  await cdn?.stop();
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function bytes(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** What one listener's player fetches for one rendition, in both addressings. */
async function listen(grant: PlaybackGrant): Promise<Array<{ url: string; range?: string; body: Buffer }>> {
  const fetched: Array<{ url: string; range?: string; body: Buffer }> = [];
  const get = async (path: string, range?: string): Promise<Buffer> => {
    const { status, body } = await bytes(`${cdn.url}${path}`, range ? { Range: `bytes=${range}` } : {});
    expect(status, path).toBe(range ? 206 : 200);
    fetched.push({ url: path, range, body });
    return body;
  };
  const base = grant.hls.slice(0, -'master.m3u8'.length);
  await get(grant.hls);
  const parser = new Parser();
  parser.push((await get(`${base}aac-160.m3u8`)).toString());
  parser.end();
  const map = parser.manifest.segments[0]!.map!.byterange!;
  await get(`${base}aac-160.mp4`, `${map.offset}-${map.offset + map.length - 1}`);
  for (const segment of parser.manifest.segments) {
    await get(`${base}aac-160.mp4`, `${segment.byterange!.offset}-${segment.byterange!.offset + segment.byterange!.length - 1}`);
  }
  await get(grant.segments.hls);
  await get(`${base}s/aac-160/init.mp4`);
  for (let n = 1; n <= parser.manifest.segments.length; n++) await get(`${base}s/aac-160/${n}.m4s`);
  await get(grant.dash);
  return fetched;
}

describe('nginx CDN in front of the origin', () => {
  it(`serves ${LISTENERS} free and ${LISTENERS} premium listeners of one track with one origin fetch per object per tier`, async () => {
    const grantFor = async (tier: string, i: number): Promise<PlaybackGrant> =>
      (await (await fetch(`${origin.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers: await authorization({ listener: `${tier}-listener-${i}`, tier }) })).json()) as PlaybackGrant;
    const grants = await Promise.all(['free', 'premium'].flatMap((tier) => Array.from({ length: LISTENERS }, (_, i) => grantFor(tier, i))));
    // One URL set per tier, whoever the listener.
    expect(new Set(grants.slice(0, LISTENERS).map((grant) => grant.hls)).size).toBe(1);
    expect(new Set(grants.slice(LISTENERS).map((grant) => grant.hls)).size).toBe(1);
    expect(grants[0]!.hls).not.toBe(grants[LISTENERS]!.hls);
    originRequests.length = 0;

    const sessions = await Promise.all(grants.map((grant) => listen(grant)));
    // What reached the origin while the 40 listened: each object (or nginx slice of it) once per tier.
    const reachedOrigin = originRequests.splice(0);
    // The log redacts tokens, so the two tiers' copies of an object share a logged path: at most
    // two fetches per logged path and range, one per tier's URL set.
    const counts = new Map<string, number>();
    for (const { path, range } of reachedOrigin) counts.set(`${path} ${range}`, (counts.get(`${path} ${range}`) ?? 0) + 1);
    expect([...counts.entries()].filter(([, count]) => count > 2)).toEqual([]);
    expect(counts.get(`${grants[0]!.hls.replace(/^\/media\/[^/]+/, '/media/<token>')} `)).toBe(2);
    const perTier = sessions[0]!.length - sessions[0]!.filter((f) => f.range).length;
    // Manifests (3), the byte-range file, the segment-addressed init and every segment, per tier.
    expect(counts.size).toBeGreaterThanOrEqual(perTier);
    expect(reachedOrigin.length).toBeLessThan(2 * (sessions[0]!.length + 5));

    // Every listener got exactly the bytes the origin serves directly (to its tier's URLs).
    for (const tier of [sessions.slice(0, LISTENERS), sessions.slice(LISTENERS)]) {
      for (const { url, range, body } of tier[0]!) {
        const direct = await bytes(`${origin.url}${url}`, range ? { Range: `bytes=${range}` } : {});
        expect(direct.body.equals(body), `${url} ${range ?? ''}`).toBe(true);
        for (const session of tier.slice(1)) {
          expect(session.find((entry) => entry.url === url && entry.range === range)!.body.equals(body)).toBe(true);
        }
      }
    }
  }, 120_000);

  it('refuses tampered, expired and other-track tokens and never serves them from the cache', async () => {
    const headers = await authorization();
    const grant = (await (await fetch(`${origin.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers })).json()) as PlaybackGrant;
    const other = (await (await fetch(`${origin.url}/v1/tracks/${fixture.worldwide[1]}/playback`, { headers })).json()) as PlaybackGrant;
    const [, , token, isrc, version] = grant.hls.split('/') as [string, string, string, string, string];
    // Warm the cache with the genuine URL first, so a refusal cannot be blamed on a cold cache.
    expect((await bytes(`${cdn.url}${grant.hls}`)).status).toBe(200);
    expect((await bytes(`${cdn.url}${grant.hls}`)).status).toBe(200);

    const expiredOrigin = await startTestOrigin({ env: fixture.env, now: () => new Date(Date.now() - 3 * 3600_000) });
    const expired = (await (await fetch(`${expiredOrigin.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers })).json()) as PlaybackGrant;
    await expiredOrigin.close();

    const refused: Array<[string, number]> = [
      [`/media/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}/${isrc}/${version}/master.m3u8`, 403],
      [`/media/${other.hls.split('/')[2]}/${isrc}/${version}/master.m3u8`, 403],
      [expired.hls, 410],
    ];
    for (const [path, status] of refused) {
      originRequests.length = 0;
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await fetch(`${cdn.url}${path}`);
        expect(response.status, path).toBe(status);
        expect(await response.text()).not.toMatch(/#EXTM3U/);
        expect(response.headers.get('x-cache-status') ?? '').not.toBe('HIT');
      }
      // Both attempts went to the origin: the refusal was not cached.
      expect(originRequests.filter((request) => request.status === status)).toHaveLength(2);
    }
  }, 60_000);
});
