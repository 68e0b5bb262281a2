// The origin over real HTTP on a published catalog: the API and its refusals, signed URLs (scope,
// windows, expiry, rotation), byte ranges checked byte for byte against the stored objects, path
// traversal, and ffmpeg decoding every rendition through the origin.

import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaybackGrant } from '../origin/types.ts';
import { versionPrefix } from '../storage/layout.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { CLIENT_FFMPEG } from './helpers/cadence-cli.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { type PublishedFixture, type TestOrigin, publishFixture, startTestOrigin } from './helpers/origin-fixture.ts';

const run = promisify(execFile);
let scratch: string;
let fixture: PublishedFixture;
let origin: TestOrigin;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-origin-'));
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  fixture = await publishFixture(scratch, env);
  origin = await startTestOrigin({ env });
}, 180_000);
afterAll(async () => {
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function grant(isrc: string, headers: Record<string, string> = {}): Promise<PlaybackGrant> {
  const response = await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: { ...(await authorization()), ...headers } });
  expect(response.status).toBe(200);
  return (await response.json()) as PlaybackGrant;
}

/** Raw HTTP/1.1 request, so paths reach the server exactly as written (fetch would normalise them). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(origin.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('API', () => {
  it('returns track metadata with duration, loudness and renditions', async () => {
    const response = await fetch(`${origin.url}/v1/tracks/${fixture.worldwide[0]}`);
    expect(response.status).toBe(200);
    const track = await response.json();
    expect(track).toMatchObject({ isrc: fixture.worldwide[0], title: 'Movement 1', artists: ['Ilse Varga'], album: 'Aurora' });
    expect(track.duration).toBeCloseTo(12, 3);
    expect(track.loudness.integrated).toBeLessThan(0);
    expect(track.renditions.map((r: { id: string }) => r.id)).toEqual(['aac-96', 'aac-160', 'aac-320', 'flac']);
  });

  it('lets browser pages on other origins call it (CORS on answers, refusals and preflights)', async () => {
    const pageOrigin = { Origin: 'https://player.example' };
    for (const path of [`/v1/tracks/${fixture.worldwide[0]}`, `/v1/tracks/${fixture.worldwide[0]}/playback`, '/v1/search?q=aurora', '/v1/tracks/XX0000000000']) {
      const response = await fetch(`${origin.url}${path}`, { headers: { ...pageOrigin, ...(await authorization()) } });
      expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      await response.arrayBuffer();
    }
    const preflight = await fetch(`${origin.url}/v1/search?q=x`, {
      method: 'OPTIONS',
      headers: { ...pageOrigin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'x-client-version' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('x-client-version');
  });

  it('grants signed HLS and DASH URLs that expire, and refuses with a JSON reason', async () => {
    const granted = await grant(fixture.worldwide[0]!);
    expect(granted.hls).toMatch(/^\/media\/current\.\d+\.f\.[\w-]{43}\/GBCAD6100001\/[0-9a-f]{20}\/master\.m3u8$/);
    expect(granted.dash).toMatch(/\/manifest\.mpd$/);
    expect(new Date(granted.expiresAt).getTime()).toBeGreaterThan(Date.now() + 3600_000);

    const refusals: Array<[string, Record<string, string>, number, string]> = [
      ['GBCAD9900001', {}, 404, 'not_found'],
      ['not-an-isrc', {}, 404, 'not_found'],
      [fixture.unreleased, {}, 404, 'not_found'], // invisible before its release date
      [fixture.gbOnly, { 'CloudFront-Viewer-Country': 'US' }, 451, 'territory_not_licensed'],
      [fixture.gbOnly, {}, 451, 'territory_not_licensed'],
    ];
    for (const [isrc, headers, status, error] of refusals) {
      const response = await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: { ...(await authorization()), ...headers } });
      expect(response.status, isrc).toBe(status);
      expect(await response.json()).toMatchObject({ error });
    }
    await grant(fixture.gbOnly, { 'CloudFront-Viewer-Country': 'gb' });
  });

  it('gives every listener of a track in one window the same URLs', async () => {
    const grants = await Promise.all(Array.from({ length: 5 }, () => grant(fixture.worldwide[1]!)));
    expect(new Set(grants.map((g) => g.hls)).size).toBe(1);
  });
});

describe('signed media URLs', () => {
  it('serves manifests and media with the right types and caching', async () => {
    const { hls, dash, segments } = await grant(fixture.worldwide[0]!);
    const base = hls.slice(0, -'master.m3u8'.length);
    const expectations: Array<[string, string, RegExp]> = [
      [hls, 'application/vnd.apple.mpegurl', /max-age=300/],
      [dash, 'application/dash+xml', /max-age=300/],
      [segments.hls, 'application/vnd.apple.mpegurl', /max-age=300/],
      [`${base}aac-96.mp4`, 'audio/mp4', /^public, max-age=31536000, immutable, s-maxage=\d+$/],
      [`${base}s/flac/init.mp4`, 'audio/mp4', /immutable/],
      [`${base}s/flac/1.m4s`, 'audio/mp4', /immutable/],
    ];
    for (const [path, type, cacheControl] of expectations) {
      const response = await fetch(`${origin.url}${path}`, { headers: { Origin: 'https://player.example' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('cache-control')).toMatch(cacheControl);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')).toMatch(/Content-Range/);
      await response.arrayBuffer();
    }
    const gzip = await fetch(`${origin.url}${hls}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(await gzip.text()).toMatch(/^#EXTM3U/);
  });

  it('maps per-segment URLs to the byte ranges of the stored file', async () => {
    const { hls } = await grant(fixture.worldwide[0]!);
    const base = `${origin.url}${hls.slice(0, -'master.m3u8'.length)}`;
    const isrc = fixture.worldwide[0]!;
    const version = hls.split('/')[4]!;
    const store = openObjectStore(fixture.env.CADENCE_STORE!, {});
    const description = JSON.parse((await store.getBytes(`${versionPrefix(isrc, version)}description.json`)).toString());
    const file = await store.getBytes(`${versionPrefix(isrc, version)}aac-160.mp4`);
    const rendition = description.renditions.find((r: { id: string }) => r.id === 'aac-160');
    const init = Buffer.from(await (await fetch(`${base}s/aac-160/init.mp4`)).arrayBuffer());
    expect(init.equals(file.subarray(0, rendition.init.size))).toBe(true);
    for (const [index, segment] of rendition.segments.entries()) {
      const body = Buffer.from(await (await fetch(`${base}s/aac-160/${index + 1}.m4s`)).arrayBuffer());
      expect(body.equals(file.subarray(segment.offset, segment.offset + segment.size)), `segment ${index + 1}`).toBe(true);
    }
    expect((await fetch(`${base}s/aac-160/${rendition.segments.length + 1}.m4s`)).status).toBe(404);
  });

  it('refuses tampered (403), other-track (403), unknown-key (403) and expired (410) tokens', async () => {
    const { hls } = await grant(fixture.worldwide[0]!);
    const other = await grant(fixture.worldwide[1]!);
    const [, , token, isrc, version] = hls.split('/') as [string, string, string, string, string];
    const otherToken = other.hls.split('/')[2]!;
    const flip = (text: string): string => text.slice(0, -2) + (text.at(-2) === 'A' ? 'B' : 'A') + text.at(-1);
    const cases: Array<[string, number]> = [
      [`/media/${flip(token)}/${isrc}/${version}/master.m3u8`, 403],
      [`/media/${token.replace(/\.(\d+)\./, (_, n: string) => `.${Number(n) + 3600}.`)}/${isrc}/${version}/master.m3u8`, 403],
      [`/media/${otherToken}/${isrc}/${version}/master.m3u8`, 403],
      [`/media/${token.replace(/^current/, 'nobody')}/${isrc}/${version}/master.m3u8`, 403],
      [`/media/garbage/${isrc}/${version}/master.m3u8`, 403],
    ];
    for (const [path, status] of cases) expect((await fetch(`${origin.url}${path}`)).status, path).toBe(status);

    // The same origin, its clock two windows later: the token has expired.
    const later = await startTestOrigin({ env: fixture.env, now: () => new Date(Date.now() + 3 * 3600_000) });
    try {
      const response = await fetch(`${later.url}${hls}`);
      expect(response.status).toBe(410);
      expect(await response.json()).toMatchObject({ error: 'token_expired' });
    } finally {
      await later.close();
    }
  });

  it('refuses a path it has already served once the token expires, and counts its shared-cache lifetime down', async () => {
    let clock = Date.now();
    const timed = await startTestOrigin({ env: fixture.env, now: () => new Date(clock) });
    try {
      const granted = (await (await fetch(`${timed.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers: await authorization() })).json()) as PlaybackGrant;
      const expires = new Date(granted.expiresAt).getTime();
      const media = granted.hls.replace('master.m3u8', 'aac-160.mp4');
      const sharedMaxAge = async (): Promise<number> => {
        const response = await fetch(`${timed.url}${media}`, { headers: { Range: 'bytes=0-99' } });
        expect(response.status).toBe(206);
        return Number(/s-maxage=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
      };
      expect((await fetch(`${timed.url}${granted.hls}`)).status).toBe(200);
      expect(await sharedMaxAge()).toBe(Math.floor((expires - clock) / 1000));
      clock += 10_000;
      expect(await sharedMaxAge()).toBe(Math.floor((expires - clock) / 1000));
      clock = expires + 1000; // past the expiry, inside the clock-skew allowance
      expect(await sharedMaxAge()).toBe(0);
      clock = expires + 3600_000;
      for (const path of [media, granted.hls]) {
        const response = await fetch(`${timed.url}${path}`, { headers: { Range: 'bytes=0-99' } });
        expect(response.status, path).toBe(410);
        expect(await response.json()).toMatchObject({ error: 'token_expired' });
      }
    } finally {
      await timed.close();
    }
  });

  it('logs one line per media request: token redacted, range, and whether the bytes came from memory', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logged = await startTestOrigin({ env: fixture.env, onLog: (entry) => lines.push(entry) });
    try {
      const granted = (await (await fetch(`${logged.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers: await authorization() })).json()) as PlaybackGrant;
      const media = granted.hls.replace('master.m3u8', 'aac-160.mp4');
      for (let i = 0; i < 2; i++) expect((await fetch(`${logged.url}${media}`, { headers: { Range: 'bytes=100-199' } })).status).toBe(206);
      const mediaLines = lines.filter((line) => line.route === '/media/:token/:isrc/:version/*');
      expect(mediaLines.map(({ status, bytes, range, cache }) => ({ status, bytes, range, cache }))).toEqual([
        { status: 206, bytes: 100, range: 'bytes=100-199', cache: 'miss' },
        { status: 206, bytes: 100, range: 'bytes=100-199', cache: 'hit' },
      ]);
      expect(mediaLines[0]!.path).toBe(media.replace(/^\/media\/[^/]+/, '/media/<token>'));
      expect(JSON.stringify(lines)).not.toContain(media.split('/')[2]);
    } finally {
      await logged.close();
    }
  });

  it('keeps tokens of a rotated-out key valid while that key still verifies', async () => {
    const old = await startTestOrigin({ env: fixture.env, keys: 'previous:previous-secret-0123456789' });
    try {
      const { hls } = (await (await fetch(`${old.url}/v1/tracks/${fixture.worldwide[0]}/playback`, { headers: await authorization() })).json()) as PlaybackGrant;
      expect(hls).toMatch(/^\/media\/previous\./);
      // The main origin signs with `current` but still verifies `previous`.
      expect((await fetch(`${origin.url}${hls}`)).status).toBe(200);
    } finally {
      await old.close();
    }
  });
});

describe('HTTP ranges and conditionals on a stored rendition file', () => {
  it('answers every case as RFC 9110 says, byte for byte, never with a 5xx', async () => {
    const { hls } = await grant(fixture.worldwide[0]!);
    const url = `${origin.url}${hls.slice(0, -'master.m3u8'.length)}flac.mp4`;
    const version = hls.split('/')[4]!;
    const file = await openObjectStore(fixture.env.CADENCE_STORE!, {}).getBytes(`${versionPrefix(fixture.worldwide[0]!, version)}flac.mp4`);
    const size = file.length;
    const head = await fetch(url, { method: 'HEAD' });
    const etag = head.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(head.headers.get('content-length')).toBe(String(size));
    expect(head.headers.get('accept-ranges')).toBe('bytes');

    type Expect = [number, [number, number] | 'whole' | 'none'];
    const many = Array.from({ length: 200 }, (_, i) => `${i}-${i + 100}`).join(',');
    const cases: Array<[string, Record<string, string>, Expect]> = [
      ['plain', {}, [200, 'whole']],
      ['first byte', { Range: 'bytes=0-0' }, [206, [0, 0]]],
      ['middle', { Range: 'bytes=1000-2999' }, [206, [1000, 2999]]],
      ['open end', { Range: `bytes=${size - 10}-` }, [206, [size - 10, size - 1]]],
      ['suffix', { Range: 'bytes=-500' }, [206, [size - 500, size - 1]]],
      ['suffix longer than the object', { Range: `bytes=-${size * 2}` }, [206, [0, size - 1]]],
      ['end past the object', { Range: 'bytes=0-18446744073709551615' }, [206, [0, size - 1]]],
      ['bytes=-0', { Range: 'bytes=-0' }, [416, 'none']],
      ['start past the end', { Range: `bytes=${size}-` }, [416, 'none']],
      ['reversed', { Range: 'bytes=5-2' }, [200, 'whole']],
      ['garbage', { Range: 'bytes=abc' }, [200, 'whole']],
      ['unknown unit', { Range: 'items=0-5' }, [200, 'whole']],
      ['two ranges', { Range: 'bytes=0-1,5-6' }, [200, 'whole']],
      ['200 overlapping ranges', { Range: `bytes=${many}` }, [200, 'whole']],
      ['If-Range current', { Range: 'bytes=10-19', 'If-Range': etag }, [206, [10, 19]]],
      ['If-Range weak', { Range: 'bytes=10-19', 'If-Range': `W/${etag}` }, [200, 'whole']],
      ['If-Range stale', { Range: 'bytes=10-19', 'If-Range': '"stale"' }, [200, 'whole']],
      ['If-None-Match', { 'If-None-Match': etag }, [304, 'none']],
      ['If-None-Match *', { 'If-None-Match': '*' }, [304, 'none']],
      ['If-None-Match other', { 'If-None-Match': '"other"', Range: 'bytes=0-9' }, [206, [0, 9]]],
    ];
    for (const [name, headers, [getStatus, body]] of cases) {
      for (const method of ['GET', 'HEAD']) {
        // RFC 9110 §14.2 defines ranges for GET only: HEAD ignores Range (but not conditionals).
        const status = method === 'HEAD' && getStatus !== 304 ? 200 : getStatus;
        const response = await fetch(url, { method, headers });
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(response.status, `${method} ${name}`).toBe(status);
        expect(response.status).toBeLessThan(500);
        if (status === 416) expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
        if (method === 'HEAD' || body === 'none') {
          expect(bytes.length, `${method} ${name} body`).toBe(0);
          continue;
        }
        const expected = body === 'whole' ? file : file.subarray(body[0], body[1] + 1);
        expect(bytes.equals(expected), `${name} bytes`).toBe(true);
        if (status === 206) expect(response.headers.get('content-range')).toBe(`bytes ${body === 'whole' ? `0-${size - 1}` : `${body[0]}-${body[1]}`}/${size}`);
        expect(response.headers.get('content-encoding')).toBeNull();
      }
    }
  });
});

describe('paths and headers', () => {
  it('answers traversal, encoded separators, doubled slashes and unknown routes with 4xx', async () => {
    const { hls } = await grant(fixture.worldwide[0]!);
    const base = hls.slice(0, -'master.m3u8'.length);
    const other = (await grant(fixture.worldwide[1]!)).hls;
    const otherIsrcVersion = other.split('/').slice(3, 5).join('/');
    const paths = [
      `${base}../../../${otherIsrcVersion}/master.m3u8`,
      `${base}%2e%2e/%2e%2e/%2e%2e/${otherIsrcVersion}/master.m3u8`,
      `${base}..%2f..%2f..%2f${otherIsrcVersion}%2fmaster.m3u8`,
      `${base}s//aac-96/1.m4s`,
      `${base}description.json`,
      `${base}meta.json`,
      `${base}../description.json`,
      `${base}aac-96.mp4/../../meta.json`,
      '/media/',
      '/etc/passwd',
      '/v1/tracks/../../catalog.db',
      '/nope',
    ];
    for (const path of paths) {
      const { status, body } = await rawGet(path);
      expect(status, path).toBeGreaterThanOrEqual(400);
      expect(status, path).toBeLessThan(500);
      expect(body, path).not.toMatch(/#EXTM3U|<MPD/);
    }
  });

  it('answers CORS preflights, HEAD and other methods on media', async () => {
    const { hls } = await grant(fixture.worldwide[0]!);
    const file = `${origin.url}${hls.slice(0, -'master.m3u8'.length)}aac-160.mp4`;
    const preflight = await fetch(file, {
      method: 'OPTIONS',
      headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Range/);

    const head = await fetch(file, { method: 'HEAD' });
    const get = await fetch(file);
    const body = await get.arrayBuffer();
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(body.byteLength));
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));

    const post = await fetch(file, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const forged = await fetch(file.replace(/\/media\/[^/]+\//, '/media/k.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/'), { method: 'OPTIONS' });
    expect(forged.status).toBe(204); // a preflight carries no credentials; the GET that follows is checked
  });

  it('answers oversized headers with 431', async () => {
    const { status } = await rawGet('/healthz', { 'X-Big': 'x'.repeat(20_000) });
    expect(status).toBe(431);
  });

  it('exposes /healthz and Prometheus /metrics', async () => {
    expect((await fetch(`${origin.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${origin.url}/metrics`)).text();
    expect(metrics).toMatch(/cadence_http_requests_total\{route="\/media\/:token\/:isrc\/:version\/\*",method="GET",status="206"\} \d+/);
    expect(metrics).toMatch(/cadence_cache_requests_total\{cache="media",result="hit"\} \d+/);
    expect(metrics).toMatch(/cadence_storage_request_duration_seconds_count\{operation="getBytes"\} \d+/);
  });
});

describe('ffmpeg through the origin', () => {
  it('decodes every rendition, HLS and DASH, in both addressings', async () => {
    const { hls, dash, segments } = await grant(fixture.worldwide[1]!);
    const base = hls.slice(0, -'master.m3u8'.length);
    for (const id of ['aac-96', 'aac-160', 'aac-320', 'flac']) {
      for (const playlist of [`${base}${id}.m3u8`, `${base}s/${id}/index.m3u8`]) {
        await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${playlist}`, '-f', 'null', '-']);
      }
    }
    for (const manifest of [dash, segments.dash]) {
      for (let stream = 0; stream < 4; stream++) {
        await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${manifest}`, '-map', `0:a:${stream}`, '-f', 'null', '-']);
      }
    }
  }, 120_000);
});
