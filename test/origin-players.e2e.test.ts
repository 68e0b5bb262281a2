// hls.js and dash.js in headless Chromium play through the origin — a free grant (AAC; its token
// refuses the FLAC URL built by hand) and a hi-fi grant (FLAC), both addressings — directly and
// through the nginx CDN. The player page is served from another origin, so CORS is exercised too.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybackGrant } from '../origin/types.ts';
import { launchBrowser, playUntil, playerPageUrl } from './helpers/browser.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { type NginxCdn, startNginxCdn } from './helpers/nginx-cdn.ts';
import { type PublishedFixture, type TestOrigin, publishFixture, startTestOrigin } from './helpers/origin-fixture.ts';
import { type StaticServer, startStaticServer } from './helpers/static-server.ts';

let scratch: string;
let fixture: PublishedFixture;
let origin: TestOrigin;
let cdn: NginxCdn;
let pages: StaticServer;
let browser: Browser;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-origin-players-'));
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  fixture = await publishFixture(scratch, env);
  origin = await startTestOrigin({ env });
  cdn = await startNginxCdn({ origin: origin.url });
  pages = await startStaticServer({ root: scratch });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await cdn?.stop();
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

// Variant order follows the ladder: level 0 is aac-96, level 3 is FLAC.
const renditions = [
  { name: 'AAC', tier: 'free', hlsLevel: 0, dashRep: 'aac-96', codec: /mp4a\.40\.2/ },
  { name: 'FLAC', tier: 'hifi', hlsLevel: 3, dashRep: 'flac', codec: /flac/i },
] as const;
const routes = ['origin', 'cdn'] as const;
const addressings = ['byterange', 'segments'] as const;
const players = ['hls', 'dash'] as const;

const cases = routes.flatMap((via) =>
  addressings.flatMap((addressing) => players.flatMap((player) => renditions.map((rendition) => ({ via, addressing, player, rendition })))),
);

describe('players through the origin', () => {
  it.each(cases)('$player plays $rendition.name of a $rendition.tier grant ($addressing) via $via', async ({ via, addressing, player, rendition }) => {
    const headers = await authorization({ listener: `${rendition.tier}-player`, tier: rendition.tier });
    const grant = (await (await fetch(`${origin.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers })).json()) as PlaybackGrant;
    const path = addressing === 'segments' ? grant.segments[player === 'hls' ? 'hls' : 'dash'] : grant[player === 'hls' ? 'hls' : 'dash'];
    const base = via === 'cdn' ? cdn.url : origin.url;
    if (rendition.tier === 'free') {
      // The FLAC URL built by hand from the free grant's token is refused, through the CDN too.
      const mediaBase = grant.hls.slice(0, -'master.m3u8'.length);
      for (const flac of [`${mediaBase}flac.mp4`, `${mediaBase}s/flac/1.m4s`]) expect((await fetch(`${base}${flac}`)).status, flac).toBe(403);
    }
    const pageUrl = playerPageUrl(pages.url, player, `${base}${path}`, player === 'hls' ? rendition.hlsLevel : rendition.dashRep);
    const result = await playUntil({ browser, pageUrl, minTime: 3, timeoutMs: 25_000 });
    expect(result.errors, JSON.stringify(result.state?.events?.slice(-5))).toEqual([]);
    expect(result.currentTime).toBeGreaterThan(3);
    const playing = result.playingRendition!;
    expect(String(playing.bufferCodec ?? playing.codecs)).toMatch(rendition.codec);
  }, 40_000);
});
