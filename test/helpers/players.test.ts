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

/**
 * ffmpeg's HLS muxer refuses FLAC (its inner mp4 muxer never sees `-strict -2`), but the DASH
 * muxer's single-file SegmentList output is a plain byte-ranged fMP4: rewrite it as an
 * EXT-X-BYTERANGE media playlist, the same shape our byterange manifests have.
 */
function segmentListToHls(mpd: string, totalSeconds: number): string {
  const file = /<BaseURL>([^<]+)<\/BaseURL>/.exec(mpd)?.[1];
  const init = /<Initialization range="(\d+)-(\d+)"/.exec(mpd);
  const list = /<SegmentList timescale="(\d+)" duration="(\d+)"/.exec(mpd);
  const ranges = [...mpd.matchAll(/mediaRange="(\d+)-(\d+)"/g)];
  if (!file || !init || !list || ranges.length === 0) throw new Error(`unexpected MPD from ffmpeg:\n${mpd}`);
  const nominal = Number(list[2]) / Number(list[1]);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.ceil(nominal)}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-MAP:URI="${file}",BYTERANGE="${Number(init[2]) - Number(init[1]) + 1}@${init[1]}"`,
  ];
  let left = totalSeconds;
  for (const [, start, end] of ranges) {
    const duration = Math.min(nominal, left);
    left -= duration;
    lines.push(`#EXTINF:${duration.toFixed(6)},`, `#EXT-X-BYTERANGE:${Number(end) - Number(start) + 1}@${start}`, file);
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

const SEGMENTED = ['-hls_segment_filename', 'seg_%03d.m4s', '-hls_fmp4_init_filename', 'init.mp4'];

/** Small packages of the same 10 s 440 Hz tone, plus two broken copies. */
async function makeMedia(root: string): Promise<void> {
  const dir = async (name: string) => {
    await mkdir(join(root, name), { recursive: true });
    return join(root, name);
  };
  await mkdir(join(root, 'hls'), { recursive: true });
  // allSettled: on a failure, let the other ffmpeg runs finish before cleanup removes the folder.
  const outcomes = await Promise.allSettled([
    // This 2018 ffmpeg segfaults writing an audio-only master playlist (-var_stream_map), so
    // the variants are packaged one by one and the master is written by hand below.
    hlsVariant(join(root, 'hls/a64'), '64k', SEGMENTED),
    hlsVariant(join(root, 'hls/a128'), '128k', SEGMENTED),
    dir('hls/flac').then(async (d) => {
      await ffmpeg([...TONE, '-c:a', 'flac', '-strict', '-2', '-f', 'dash', '-seg_duration', '2', '-single_file', '1', 'flac.mpd'], d);
      await writeFile(join(d, 'index.m3u8'), segmentListToHls(await readFile(join(d, 'flac.mpd'), 'utf8'), 10));
    }),
    writeFile(
      join(root, 'hls/master.m3u8'),
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-STREAM-INF:BANDWIDTH=72000,CODECS="mp4a.40.2"',
        'a64/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=140000,CODECS="mp4a.40.2"',
        'a128/index.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="fLaC"',
        'flac/index.m3u8',
        '',
      ].join('\n'),
    ),
    // Two AAC Representations in one AdaptationSet, FLAC in a second one (id 2).
    dir('dash').then((d) =>
      ffmpeg(
        [...TONE, '-map', '0:a', '-map', '0:a', '-map', '0:a', '-c:a:0', 'aac', '-b:a:0', '64k', '-c:a:1', 'aac',
          '-b:a:1', '128k', '-c:a:2', 'flac', '-strict', '-2', '-f', 'dash', '-seg_duration', '2',
          '-adaptation_sets', 'id=0,streams=0,1 id=1,streams=2', 'manifest.mpd'],
        d,
      ),
    ),
    // SegmentList with mediaRange into one file.
    dir('dash-range').then((d) =>
      ffmpeg([...TONE, '-c:a', 'aac', '-b:a', '128k', '-f', 'dash', '-seg_duration', '2', '-single_file', '1', 'manifest.mpd'], d),
    ),
    // Broken copies: the manifests still list the 2-4 s segment, the file is gone.
    hlsVariant(join(root, 'broken-hls'), '128k', SEGMENTED).then(() => unlink(join(root, 'broken-hls/seg_001.m4s'))),
    dir('broken-dash').then(async (d) => {
      await ffmpeg([...TONE, '-c:a', 'aac', '-b:a', '128k', '-f', 'dash', '-seg_duration', '2', 'manifest.mpd'], d);
      await unlink(join(d, 'chunk-stream0-00002.mp4'));
    }),
  ]);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
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
        '/alias/': join(root, 'dash-range'),
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

/** Requests made by one player page (see RecordedRequest.referer). */
function requestsFrom(pageUrl: string) {
  const mine = server.requests.filter((r) => r.referer === pageUrl);
  return { under: (prefix: string) => mine.filter((r) => r.url.startsWith(prefix)) };
}

describe('static server', () => {
  // Through the /alias/ extra route, so the playback tests' request logs stay clean.
  it('serves HTTP ranges as 206 with the right bytes', async () => {
    const whole = await readFile(join(root, 'dash-range/manifest-stream0.mp4'));
    const res = await fetch(`${server.url}/alias/manifest-stream0.mp4`, { headers: { Range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(res.headers.get('content-type')).toBe('audio/mp4');
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);

    const open = await fetch(`${server.url}/alias/manifest-stream0.mp4`, { headers: { Range: `bytes=${whole.length - 10}-` } });
    expect(open.status).toBe(206);
    expect((await open.arrayBuffer()).byteLength).toBe(10);

    const beyond = await fetch(`${server.url}/alias/manifest-stream0.mp4`, { headers: { Range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    await beyond.arrayBuffer();

    // Forms sirv would answer wrongly fall back to the whole file, which HTTP allows.
    for (const range of ['bytes=-10', 'bytes=0-0', 'bytes=0-1,5-6']) {
      const r = await fetch(`${server.url}/alias/manifest-stream0.mp4`, { headers: { Range: range } });
      expect(r.status, range).toBe(200);
      expect((await r.arrayBuffer()).byteLength, range).toBe(whole.length);
    }

    const recorded = server.requests.find((r) => r.range === 'bytes=100-199');
    expect(recorded).toMatchObject({ method: 'GET', url: '/alias/manifest-stream0.mp4', status: 206 });
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
      ['/alias/manifest.mpd', 'application/dash+xml'],
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
    const pageUrl = playerPageUrl(server.url, 'hls', '/hls/master.m3u8', 1);
    const result = await playUntil({ browser, pageUrl });
    const requests = requestsFrom(pageUrl);
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.currentTime).toBeGreaterThan(3);
    expect(result.playingRendition).toMatchObject({ level: 1, bitrate: 140000, codecs: 'mp4a.40.2' });
    expect(result.playingRendition?.bufferCodec).toMatch(/^mp4a\.40\./);
    expect(result.timeToPlayingMs).toBeGreaterThan(0);
    // Locked means the other levels were never fetched.
    expect(requests.under('/hls/a128/').length).toBeGreaterThan(0);
    expect(requests.under('/hls/a64/')).toEqual([]);
    expect(requests.under('/hls/flac/')).toEqual([]);
  });

  it('hls.js plays a FLAC level addressed with EXT-X-BYTERANGE', async () => {
    const pageUrl = playerPageUrl(server.url, 'hls', '/hls/master.m3u8', 2);
    const result = await playUntil({ browser, pageUrl });
    const requests = requestsFrom(pageUrl);
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    // hls.js lower-cases fLaC; bufferCodec is what it read from the init segment.
    expect(result.playingRendition).toMatchObject({ level: 2, codecs: 'flac', bufferCodec: 'flac' });
    const ranged = requests.under('/hls/flac/flac-stream0.mp4').filter((r) => r.range !== undefined);
    expect(ranged.length).toBeGreaterThanOrEqual(3);
    expect(ranged.every((r) => r.status === 206), JSON.stringify(ranged)).toBe(true);
  });

  it('dash.js plays the chosen Representation with ABR off', async () => {
    const pageUrl = playerPageUrl(server.url, 'dash', '/dash/manifest.mpd', '1');
    const result = await playUntil({ browser, pageUrl });
    const requests = requestsFrom(pageUrl);
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.playingRendition).toMatchObject({ id: '1', bandwidth: 128000, codecs: 'mp4a.40.2' });
    expect(requests.under('/dash/chunk-stream1-').length).toBeGreaterThan(0);
    expect(requests.under('/dash/chunk-stream0-')).toEqual([]);
    expect(requests.under('/dash/chunk-stream2-')).toEqual([]);
  });

  it('dash.js plays a FLAC Representation from another AdaptationSet', async () => {
    const pageUrl = playerPageUrl(server.url, 'dash', '/dash/manifest.mpd', '2');
    const result = await playUntil({ browser, pageUrl });
    const requests = requestsFrom(pageUrl);
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.playingRendition).toMatchObject({ id: '2', codecs: 'flac' });
    expect(requests.under('/dash/chunk-stream2-').length).toBeGreaterThan(0);
    expect(requests.under('/dash/init-stream0')).toEqual([]);
  });

  it('dash.js plays a SegmentList with mediaRange via range requests', async () => {
    const pageUrl = playerPageUrl(server.url, 'dash', '/dash-range/manifest.mpd');
    const result = await playUntil({ browser, pageUrl });
    const requests = requestsFrom(pageUrl);
    expect(result.errors, explain(result)).toEqual([]);
    expect(result.reached, explain(result)).toBe(true);
    expect(result.playingRendition?.id).toBe('0');
    const ranged = requests.under('/dash-range/manifest-stream0.mp4').filter((r) => r.range !== undefined);
    expect(ranged.length).toBeGreaterThanOrEqual(2);
    expect(ranged.every((r) => r.status === 206), JSON.stringify(ranged)).toBe(true);
  });

  it('fails when an HLS segment is missing', async () => {
    const pageUrl = playerPageUrl(server.url, 'hls', '/broken-hls/index.m3u8');
    const result = await playUntil({ browser, pageUrl, timeoutMs: 8000 });
    const requests = requestsFrom(pageUrl);
    expect(result.errors.length, explain(result)).toBeGreaterThan(0);
    expect(result.errors.some((e) => e.details === 'fragLoadError')).toBe(true);
    expect(result.reached, explain(result)).toBe(false);
    const missing = requests.under('/broken-hls/seg_001.m4s');
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((r) => r.status === 404)).toBe(true);
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
