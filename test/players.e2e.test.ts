// Real players on our output: hls.js and dash.js in headless Chromium play an AAC rendition and
// the FLAC rendition of a packaged master from a plain static server.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMaster } from '../fixtures/masters.ts';
import { launchBrowser, playUntil, playerPageUrl } from './helpers/browser.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { type StaticServer, startStaticServer } from './helpers/static-server.ts';

let scratch: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-players-'));
  const master = join(scratch, 'master.flac');
  await makeMaster({ path: master, seconds: 15, sampleRate: 48000, bitDepth: 24, format: 'flac' });
  const out = join(scratch, 'out');
  const packaged = await runCadence(['package', master, '--out', out]);
  expect(packaged.code, packaged.stderr).toBe(0);
  server = await startStaticServer({ root: out });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

// Variant order in master.m3u8 follows the ladder: aac-96, aac-160, aac-320, flac.
const cases = [
  { player: 'hls', manifest: 'master.m3u8', rendition: 0, codec: /mp4a\.40\.2/, rangeOf: 'aac-96.mp4' },
  { player: 'hls', manifest: 'master.m3u8', rendition: 3, codec: /flac/i, rangeOf: 'flac.mp4' },
  { player: 'dash', manifest: 'manifest.mpd', rendition: 'aac-160', codec: /mp4a\.40\.2/, rangeOf: 'aac-160.mp4' },
  { player: 'dash', manifest: 'manifest.mpd', rendition: 'flac', codec: /flac/i, rangeOf: 'flac.mp4' },
] as const;

describe('players in Chromium', () => {
  it.each(cases)('$player plays rendition $rendition past 3 s without an error', async ({ player, manifest, rendition, codec, rangeOf }) => {
    const pageUrl = playerPageUrl(server.url, player, `/${manifest}`, rendition);
    const result = await playUntil({ browser, pageUrl, minTime: 3, timeoutMs: 25_000 });
    expect(result.errors, JSON.stringify(result.state?.events?.slice(-5))).toEqual([]);
    expect(result.reached).toBe(true);
    expect(result.currentTime).toBeGreaterThan(3);
    const playing = result.playingRendition!;
    expect(String(playing.bufferCodec ?? playing.codecs)).toMatch(codec);
    // The media came from the rendition we asked for, by byte range.
    const mine = server.requests.filter((request) => request.referer === pageUrl && request.url.endsWith(rangeOf));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((request) => request.status === 206)).toBe(true);
  }, 40_000);
});
