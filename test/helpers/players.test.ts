// Proves the browser harness on media made by plain ffmpeg, independent of our pipeline: if these
// fail, the harness (or the environment) is broken, not the packager.

import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, playerPageUrl, playUntil } from './browser.ts';
import type { PlayUntilResult } from './browser.ts';
import { startStaticServer } from './static-server.ts';
import type { StaticServer } from './static-server.ts';

const run = promisify(execFile);
const FFMPEG = fileURLToPath(new URL('../../node_modules/@ffmpeg-installer/linux-x64/ffmpeg', import.meta.url));
const TONE = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=10', '-ac', '2'];

async function ffmpeg(args: string[], cwd: string): Promise<void> {
  await run(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd, timeout: 30_000 });
}

async function hlsVariant(dir: string, bitrate: string, extra: string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  await ffmpeg(
    [...TONE, '-c:a', 'aac', '-b:a', bitrate, '-f', 'hls', '-hls_segment_type', 'fmp4', '-hls_time', '2',
      '-hls_playlist_type', 'vod', ...extra, 'index.m3u8'],
    dir,
  );
}

/** Four small packages plus two broken copies, all of the same 10 s 440 Hz tone. */
async function makeMedia(root: string): Promise<void> {
  // This 2018 ffmpeg segfaults writing an audio-only master playlist (-var_stream_map), so the
  // variants are packaged one by one and the master is written here.
  await hlsVariant(join(root, 'hls/a64'), '64k', ['-hls_segment_filename', 'seg_%03d.m4s', '-hls_fmp4_init_filename', 'init.mp4']);
  await hlsVariant(join(root, 'hls/a128'), '128k', ['-hls_segment_filename', 'seg_%03d.m4s', '-hls_fmp4_init_filename', 'init.mp4']);
  await writeFile(
    join(root, 'hls/master.m3u8'),
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-STREAM-INF:BANDWIDTH=72000,CODECS="mp4a.40.2"',
      'a64/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=140000,CODECS="mp4a.40.2"',
      'a128/index.m3u8',
      '',
    ].join('\n'),
  );
  // One file addressed with EXT-X-BYTERANGE, like our byterange manifests.
  await hlsVariant(join(root, 'hls-range'), '128k', ['-hls_flags', 'single_file', '-hls_segment_filename', 'media.mp4']);

  await mkdir(join(root, 'dash'), { recursive: true });
  await ffmpeg(
    [...TONE, '-map', '0:a', '-map', '0:a', '-c:a', 'aac', '-b:a:0', '64k', '-b:a:1', '128k', '-f', 'dash',
      '-seg_duration', '2', '-adaptation_sets', 'id=0,streams=0,1', 'manifest.mpd'],
    join(root, 'dash'),
  );
  // SegmentList with mediaRange into one file.
  await mkdir(join(root, 'dash-range'), { recursive: true });
  await ffmpeg(
    [...TONE, '-c:a', 'aac', '-b:a', '128k', '-f', 'dash', '-seg_duration', '2', '-single_file', '1', 'manifest.mpd'],
    join(root, 'dash-range'),
  );

  // Broken copies: the manifests still list the 2-4 s segment, the file is gone.
  await hlsVariant(join(root, 'broken-hls'), '128k', ['-hls_segment_filename', 'seg_%03d.m4s', '-hls_fmp4_init_filename', 'init.mp4']);
  await unlink(join(root, 'broken-hls/seg_001.m4s'));
  await mkdir(join(root, 'broken-dash'), { recursive: true });
  await ffmpeg([...TONE, '-c:a', 'aac', '-b:a', '128k', '-f', 'dash', '-seg_duration', '2', 'manifest.mpd'], join(root, 'broken-dash'));
  await unlink(join(root, 'broken-dash/chunk-stream0-00002.mp4'));
}

/** Everything needed to understand a failed playback assertion. */
function explain(result: PlayUntilResult): string {
  return JSON.stringify(
    { currentTime: result.currentTime, errors: result.errors, console: result.console, events: result.state?.events.slice(-15) },
    null,
    1,
  );
}

let root: string;
let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cadence-players-'));
  // Media, server and browser are independent; the server looks files up per request.
  [, server, browser] = await Promise.all([
    makeMedia(root),
    startStaticServer({
      root,
      extraRoutes: {
        '/alias/': join(root, 'hls-range'),
        '/teapot': (_req, res) => {
          res.statusCode = 418;
          res.end('short and stout');
        },
      },
    }),
    launchBrowser(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function requestsUnder(prefix: string) {
  return server.requests.filter((r) => r.url.startsWith(prefix));
}

describe('static server', () => {
  // Through the /alias/ extra route, so the playback tests' request logs stay clean.
  it('serves HTTP ranges as 206 with the right bytes', async () => {
    const whole = await readFile(join(root, 'hls-range/media.mp4'));
    const res = await fetch(`${server.url}/alias/media.mp4`, { headers: { Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(res.headers.get('content-type')).toBe('audio/mp4');
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);

    const open = await fetch(`${server.url}/alias/media.mp4`, { headers: { Range: `bytes=${whole.length - 10}-` } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(10);

    const beyond = await fetch(`${server.url}/alias/media.mp4`, { headers: { Range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    await beyond.arrayBuffer();

    // Forms sirv would answer wrongly fall back to the whole file, which HTTP allows.
    for (const range of ['bytes=-10', 'bytes=0-0', 'bytes=0-1,5-6']) {
      const r = await fetch(`${server.url}/alias/media.mp4`, { headers: { Range: range } });
      expect(r.status, range).toBe(200);
      expect((await r.arrayBuffer()).byteLength, range).toBe(whole.length);
    }

    const recorded = server.requests.find((r) => r.range === 'bytes=100-199');
    expect(recorded).toMatchObject({ method: 'GET', url: '/alias/media.mp4', status: 206 });
  });

  it('labels manifests and segments, serves player assets, and honours extra routes', async () => {
    const types: Array<[string, string]> = [
      ['/hls/master.m3u8', 'application/vnd.apple.mpegurl'],
      ['/dash/manifest.mpd', 'application/dash+xml'],
      ['/broken-hls/seg_002.m4s', 'audio/mp4'],
      ['/broken-dash/init-stream0.mp4', 'audio/mp4'],
      ['/__players/hls.html', 'text/html; charset=utf-8'],
      ['/__players/hls.min.js', 'text/javascript; charset=utf-8'],
      ['/__players/dash.all.min.js', 'text/javascript; charset=utf-8'],
      ['/alias/index.m3u8', 'application/vnd.apple.mpegurl'],
    ];
    for (const [path, type] of types) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      await res.arrayBuffer();
    }
    for (const path of ['/__players/hls.js', '/__players/package.json', '/nope.m4s']) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
    const teapot = await fetch(`${server.url}/teapot`);
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe('short and stout');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

// Each playback takes about (minTime + start-up) seconds of wall time, so run them side by side;
// every test uses its own folder, which keeps the request log separable.
describe.concurrent('players in headless Chromium', { timeout: 30_000 }, () => {
  it('hls.js plays the locked level of a segmented fMP4 master', async () => {
    const result = await playUntil({ browser, pageUrl: playerPageUrl(server.url, 'hls', '/hls/master.m3u8', 1) });
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.currentTime).toBeGreaterThan(3);
    expect(result.playingRendition).toMatchObject({ level: 1, bitrate: 140000, codecs: 'mp4a.40.2' });
    expect(result.playingRendition?.bufferCodec).toMatch(/^mp4a\.40\./);
    expect(result.timeToPlayingMs).toBeGreaterThan(0);
    // Locked means the other level was never fetched.
    expect(requestsUnder('/hls/a128/').length).toBeGreaterThan(0);
    expect(requestsUnder('/hls/a64/')).toEqual([]);
  });

  it('hls.js plays EXT-X-BYTERANGE segments with range requests', async () => {
    const result = await playUntil({ browser, pageUrl: playerPageUrl(server.url, 'hls', '/hls-range/index.m3u8') });
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    const ranged = requestsUnder('/hls-range/media.mp4').filter((r) => r.range !== undefined);
    expect(ranged.length).toBeGreaterThanOrEqual(2);
    expect(ranged.every((r) => r.status === 206), JSON.stringify(ranged)).toBe(true);
  });

  it('dash.js plays the chosen Representation with ABR off', async () => {
    const result = await playUntil({ browser, pageUrl: playerPageUrl(server.url, 'dash', '/dash/manifest.mpd', '1') });
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.playingRendition).toMatchObject({ id: '1', bandwidth: 128000, codecs: 'mp4a.40.2' });
    expect(requestsUnder('/dash/chunk-stream1-').length).toBeGreaterThan(0);
    expect(requestsUnder('/dash/chunk-stream0-')).toEqual([]);
  });

  it('dash.js plays a SegmentList with mediaRange via range requests', async () => {
    const result = await playUntil({ browser, pageUrl: playerPageUrl(server.url, 'dash', '/dash-range/manifest.mpd') });
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.playingRendition?.id).toBe('0');
    const ranged = requestsUnder('/dash-range/manifest-stream0.mp4').filter((r) => r.range !== undefined);
    expect(ranged.length).toBeGreaterThanOrEqual(2);
    expect(ranged.every((r) => r.status === 206), JSON.stringify(ranged)).toBe(true);
  });

  it('fails when an HLS segment is missing', async () => {
    const result = await playUntil({
      browser,
      pageUrl: playerPageUrl(server.url, 'hls', '/broken-hls/index.m3u8'),
      timeoutMs: 8000,
    });
    expect(result.errors.length, explain(result)).toBeGreaterThan(0);
    expect(result.errors.some((e) => e.details === 'fragLoadError')).toBe(true);
    expect(result.reached, explain(result)).toBe(false);
    expect(requestsUnder('/broken-hls/seg_001.m4s').every((r) => r.status === 404)).toBe(true);
  });

  it('fails when a DASH segment is missing', async () => {
    const result = await playUntil({
      browser,
      pageUrl: playerPageUrl(server.url, 'dash', '/broken-dash/manifest.mpd'),
      timeoutMs: 8000,
    });
    expect(result.errors.length, explain(result)).toBeGreaterThan(0);
    expect(result.reached, explain(result)).toBe(false);
  });

  it('reports a rendition that does not exist instead of silently playing another', async () => {
    const result = await playUntil({
      browser,
      pageUrl: playerPageUrl(server.url, 'dash', '/dash/manifest.mpd', 'flac'),
      timeoutMs: 8000,
    });
    expect(result.errors.length, explain(result)).toBeGreaterThan(0);
    expect(result.reached).toBe(false);
  });
});
