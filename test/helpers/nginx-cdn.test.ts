// The CDN config (cdn/nginx.conf.template) in front of a stub origin: one origin fetch per slice
// however many listeners miss at once, a key that ignores query strings, and errors, API answers
// and expired tokens never served from the cache.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginxCdn } from './nginx-cdn.ts';
import type { NginxCdn } from './nginx-cdn.ts';

const run = promisify(execFile);
const SLICE = 1024 * 1024;
const BIG_SIZE = 3_000_000;
const SMALL_SIZE = 100_000;
const MANIFEST = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n'.padEnd(4000, '#\n');
const REQUEST_TIMEOUT_MS = 15_000;

interface OriginRequest {
  method: string;
  /** As received, query string included. */
  url: string;
  path: string;
  range?: string;
  acceptEncoding?: string;
  country?: string;
  headers: IncomingHttpHeaders;
}

interface StubOrigin {
  url: string;
  requests: OriginRequest[];
  hits(path: string): number;
  close(): Promise<void>;
}

const objects = new Map<string, Buffer>([
  ['aac-160.mp4', randomBytes(BIG_SIZE)],
  ['aac-96.mp4', randomBytes(SMALL_SIZE)],
  ['flac.mp4', randomBytes(SMALL_SIZE)],
]);

const nowSeconds = () => Math.floor(Date.now() / 1000);
const COVER_V = '0123456789abcdef';

function sendJson(res: import('node:http').ServerResponse, status: number, body: object, cacheControl: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': cacheControl });
  res.end(JSON.stringify(body));
}

/** Single ranges only, like the origin: `a-b`, `a-`, `-n`. */
function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * Media at `/media/{token}/{isrc}/{version}/{file}` with tokens `kid.expires.sig`: `bad` is a
 * forged token (403), `old` and past expiries are expired (410). Errors deliberately carry a
 * cacheable Cache-Control, as would a misconfigured origin, to show the edge still never
 * stores them. Tokens with kid `cap` also get `s-maxage` = time left, capping the edge's copy at expiry.
 */
async function startStubOrigin(): Promise<StubOrigin> {
  const requests: OriginRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? url;
    const entry: OriginRequest = { method: req.method ?? 'GET', url, path, headers: req.headers };
    if (req.headers.range !== undefined) entry.range = req.headers.range;
    if (req.headers['accept-encoding'] !== undefined) entry.acceptEncoding = String(req.headers['accept-encoding']);
    const country = req.headers['cloudfront-viewer-country'];
    if (country !== undefined) entry.country = String(country);
    requests.push(entry);

    if (path === '/v1/x') return sendJson(res, 200, { grant: 'per-user', country: country ?? null }, 'public, max-age=600');
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' }, 'no-store');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': 'Range', 'Access-Control-Max-Age': '86400' });
      return res.end();
    }

    // A release cover like origin/cover-route.ts: sizes 160 and 640 (the default); upc 012345678905 only.
    const cover = /^\/v1\/releases\/([0-9]+)\/cover$/.exec(path);
    if (cover) {
      const query = new URL(url, 'http://stub').searchParams;
      const size = query.get('size') ?? '640';
      if (size !== '160' && size !== '640') return sendJson(res, 400, { error: 'bad_request' }, 'no-store');
      if (cover[1] !== '012345678905') return sendJson(res, 404, { error: 'not_found' }, 'public, max-age=600');
      const etag = `"cover-${size}"`;
      res.writeHead(200, { 'Content-Type': 'image/jpeg', ETag: etag, 'Cache-Control': query.get('v') === COVER_V ? 'public, max-age=31536000, immutable' : 'public, max-age=300, s-maxage=86400' });
      return res.end(req.method === 'HEAD' ? undefined : Buffer.alloc(Number(size), size === '160' ? 1 : 6));
    }

    const media = /^\/media\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    if (!media) return sendJson(res, 404, { error: 'not_found' }, 'no-store');
    const [, token = '', , , file = ''] = media;
    if (token === 'bad') return sendJson(res, 403, { error: 'forbidden' }, 'public, max-age=600');
    const parts = token.split('.');
    const expires = Number(parts[1]);
    if (token === 'old' || parts.length !== 3 || !(expires > nowSeconds())) return sendJson(res, 410, { error: 'token_expired' }, 'public, max-age=600');
    const edgeCap = parts[0] === 'cap' ? `, s-maxage=${expires - nowSeconds()}` : '';

    if (file.endsWith('.m3u8')) {
      const etag = '"manifest-1"';
      const headers: Record<string, string> = {
        'Content-Type': 'application/vnd.apple.mpegurl',
        // `short-` manifests expire within the test, to exercise revalidation.
        'Cache-Control': `public, max-age=${file.startsWith('short-') ? 1 : 60}${edgeCap}`,
        ETag: etag,
        Vary: 'Accept-Encoding',
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        return res.end();
      }
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? gzipSync(MANIFEST) : Buffer.from(MANIFEST);
      if (gzip) headers['Content-Encoding'] = 'gzip';
      res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }

    const bytes = objects.get(file);
    if (!bytes) return sendJson(res, 404, { error: 'not_found' }, 'no-store');
    const etag = `"${file}-v1"`;
    const headers: Record<string, string> = {
      'Content-Type': 'audio/mp4',
      'Cache-Control': `public, max-age=31536000, immutable${edgeCap}`,
      ETag: etag,
      'Accept-Ranges': 'bytes',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    const range = req.headers.range === undefined ? null : parseRange(req.headers.range, bytes.length);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}`, 'Cache-Control': 'no-store' });
      return res.end();
    }
    const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${bytes.length}`;
    res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hits: (path) => requests.filter((entry) => entry.path === path).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A raw GET (no automatic decompression, no connection reuse), bounded in time. */
function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function token(kid: string, ttlSeconds: number): string {
  return `${kid}.${nowSeconds() + ttlSeconds}.c2lnbmF0dXJl`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('nginx CDN edge', () => {
  let origin: StubOrigin;
  let cdn: NginxCdn;
  const base = `/media/${token('k1', 3600)}/GBAYE2600001/0123456789abcdef0123`;

  beforeAll(async () => {
    origin = await startStubOrigin();
    cdn = await startNginxCdn({ origin: origin.url });
  });

  afterAll(async () => {
    await cdn?.stop();
    await origin?.close();
  });

  it('fetches each slice from the origin once for 40 concurrent misses, full and ranged', async () => {
    const path = `${base}/aac-160.mp4`;
    const bytes = objects.get('aac-160.mp4')!;
    // Ranges inside one slice, across slice edges, open-ended and suffix ranges.
    const ranges: Array<[string, number, number]> = [
      ['bytes=0-1', 0, 1],
      ['bytes=-1000', BIG_SIZE - 1000, BIG_SIZE - 1],
      [`bytes=${BIG_SIZE - 5000}-`, BIG_SIZE - 5000, BIG_SIZE - 1],
      [`bytes=${SLICE - 10}-${SLICE + 10}`, SLICE - 10, SLICE + 10],
      [`bytes=${SLICE}-${2 * SLICE - 1}`, SLICE, 2 * SLICE - 1],
      [`bytes=100-${BIG_SIZE + 999}`, 100, BIG_SIZE - 1],
    ];
    for (let i = ranges.length; i < 20; i++) {
      const start = Math.floor(Math.random() * (BIG_SIZE - 1));
      const end = Math.min(BIG_SIZE - 1, start + Math.floor(Math.random() * 400_000));
      ranges.push([`bytes=${start}-${end}`, start, end]);
    }

    const [full, partial] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => get(cdn.url + path))),
      Promise.all(ranges.map(([range]) => get(cdn.url + path, { Range: range }))),
    ]);

    for (const reply of full) {
      expect(reply.status).toBe(200);
      expect(reply.body.length).toBe(BIG_SIZE);
      expect(reply.body.equals(bytes)).toBe(true);
    }
    partial.forEach((reply, i) => {
      const [range, start, end] = ranges[i]!;
      expect(reply.status, range).toBe(206);
      expect(reply.headers['content-range'], range).toBe(`bytes ${start}-${end}/${BIG_SIZE}`);
      expect(reply.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
    });

    // 3 000 000 bytes in 1 MiB slices: exactly three origin requests, one per slice.
    const fetched = origin.requests.filter((entry) => entry.path === path);
    expect(fetched.map((entry) => entry.range).sort()).toEqual([
      `bytes=0-${SLICE - 1}`,
      `bytes=${SLICE}-${2 * SLICE - 1}`,
      `bytes=${2 * SLICE}-${3 * SLICE - 1}`,
    ]);
  });

  it('ignores query strings: one origin fetch, and the origin never sees them', async () => {
    const media = `${base}/aac-96.mp4`;
    const manifest = `${base}/aac-96.m3u8`;
    const queries = Array.from({ length: 10 }, () => `?r=${randomBytes(6).toString('hex')}&t=${Math.random()}`);
    const replies = await Promise.all(queries.flatMap((query) => [get(cdn.url + media + query), get(cdn.url + manifest + query)]));
    for (const reply of replies) expect(reply.status).toBe(200);
    expect(replies.filter((_, i) => i % 2 === 0).every((reply) => reply.body.equals(objects.get('aac-96.mp4')!))).toBe(true);
    // Sequential repeats after the fill are hits too.
    for (const query of queries.slice(0, 3)) expect((await get(cdn.url + media + query)).headers['x-cache-status']).toBe('HIT');

    expect(origin.hits(media)).toBe(1);
    expect(origin.hits(manifest)).toBe(1);
    expect(origin.requests.filter((entry) => entry.path === media || entry.path === manifest).every((entry) => !entry.url.includes('?'))).toBe(true);
  });

  it('passes 403 and 410 through and never caches them, even when the origin says max-age', async () => {
    const paths = ['/media/bad/GBAYE2600001/0123456789abcdef0123/aac-96.mp4', '/media/old/GBAYE2600001/0123456789abcdef0123/aac-96.m3u8'];
    const statuses = [403, 410];
    for (const [i, path] of paths.entries()) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const reply = await get(cdn.url + path, attempt === 2 ? { Range: 'bytes=0-99' } : {});
        expect(reply.status).toBe(statuses[i]);
        expect(JSON.parse(reply.body.toString('utf8'))).toHaveProperty('error');
        expect(reply.headers['x-cache-status']).not.toBe('HIT');
      }
      expect(origin.hits(path)).toBe(3);
    }
  });

  it('never caches the API, and forwards the viewer country to it', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const reply = await get(`${cdn.url}/v1/x`, { 'CloudFront-Viewer-Country': 'NO' });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ grant: 'per-user', country: 'NO' });
      expect(reply.headers['x-cache-status']).toBeUndefined();
    }
    expect(origin.hits('/v1/x')).toBe(3);
    expect(origin.requests.filter((entry) => entry.path === '/v1/x').map((entry) => entry.country)).toEqual(['NO', 'NO', 'NO']);

    for (let attempt = 0; attempt < 2; attempt++) expect((await get(`${cdn.url}/healthz`)).status).toBe(200);
    expect(origin.hits('/healthz')).toBe(2);
  });

  it('caches release covers under the path plus size and v only, and never their 400/404', async () => {
    const cover = '/v1/releases/012345678905/cover';
    const fetched = () => origin.requests.filter((entry) => entry.path === cover).map((entry) => entry.url.slice(cover.length));
    const first = await get(`${cdn.url}${cover}?size=160&v=${COVER_V}`, { Cookie: 'session=abc', 'CloudFront-Viewer-Country': 'SE' });
    expect([first.status, first.headers['x-cache-status'], first.headers['content-type'], first.body.length]).toEqual([200, 'MISS', 'image/jpeg', 160]);
    expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // The same two values in another order, with anything else added: the same cached copy.
    for (const query of [`?size=160&v=${COVER_V}`, `?v=${COVER_V}&size=160&utm=x`, `?size=160&v=${COVER_V}&r=${randomBytes(4).toString('hex')}`]) {
      const again = await get(`${cdn.url}${cover}${query}`);
      expect([again.status, again.headers['x-cache-status']], query).toEqual([200, 'HIT']);
      expect(again.body.equals(first.body)).toBe(true);
    }
    // Revalidation at the edge: a matching If-None-Match is a 304 from the cache.
    const revalidated = await get(`${cdn.url}${cover}?size=160&v=${COVER_V}`, { 'If-None-Match': '"cover-160"' });
    expect([revalidated.status, revalidated.headers['x-cache-status']]).toEqual([304, 'HIT']);
    // No size stays no size (the origin's default); a v that is not 16 hex digits is dropped.
    expect((await get(`${cdn.url}${cover}?v=not-a-version`)).body.length).toBe(640);
    expect((await get(`${cdn.url}${cover}?v=${'f'.repeat(40)}`)).headers['x-cache-status']).toBe('HIT');
    expect(fetched()).toEqual([`?size=160&v=${COVER_V}`, '?v=']);
    const fill = origin.requests.find((entry) => entry.path === cover)!;
    for (const name of ['cookie', 'cloudfront-viewer-country']) expect(fill.headers[name], name).toBeUndefined();

    for (const [path, status] of [[`${cover}?size=999`, 400], ['/v1/releases/036000291452/cover?size=160', 404]] as const) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const reply = await get(cdn.url + path);
        expect(reply.status).toBe(status);
        expect(reply.headers['x-cache-status']).not.toBe('HIT');
      }
    }
    expect(origin.requests.filter((entry) => entry.url === `${cover}?size=999&v=`)).toHaveLength(2);
  });

  it('cdn/purge-nginx-cache.sh drops every cached copy of the paths in CADENCE_PURGE_PATHS (every size and version), nothing else', async () => {
    const cover = '/v1/releases/012345678905/cover';
    const variants = [`${cover}?size=160&v=${COVER_V}`, `${cover}?size=640`, `${cover}?v=${COVER_V}`];
    const media = `${base}/aac-96.mp4`;
    const cached = async (path: string) => {
      await get(cdn.url + path);
      const again = await get(cdn.url + path);
      expect([again.status, again.headers['x-cache-status']], path).toEqual([200, 'HIT']);
    };
    for (const path of [...variants, media]) await cached(path);

    const script = fileURLToPath(new URL('../../cdn/purge-nginx-cache.sh', import.meta.url));
    // No ISRC at all: the paths alone (a release's cover); ISRCs stay the last arguments otherwise.
    const { stdout } = await run(script, [cdn.cacheDir], { env: { ...process.env, CADENCE_PURGE_PATHS: `${cover} /v1/releases/proprietary:PADPIDA2026:NLR-0.42/cover` } });
    expect(stdout).toMatch(/^purged [3-9] cached objects of \/v1\/releases\/012345678905\/cover /);
    for (const path of variants) expect((await get(cdn.url + path)).headers['x-cache-status'], path).toBe('MISS');
    expect((await get(cdn.url + media)).headers['x-cache-status']).toBe('HIT');

    // A path it cannot name (spaces split, globs never expand) is refused with a reason.
    await expect(run(script, [cdn.cacheDir], { env: { ...process.env, CADENCE_PURGE_PATHS: '/v1/* ../x' } })).rejects.toMatchObject({ code: 2, stderr: '/v1/*: not a URL path\n' });
  });

  it('reports MISS then HIT in X-Cache-Status, and keeps client headers away from cache fills', async () => {
    const personal = { 'CloudFront-Viewer-Country': 'SE', Cookie: 'session=abc', Authorization: 'Bearer x', Origin: 'https://player.example', 'X-Forwarded-Host': 'evil.example' };
    for (const file of ['master.m3u8', 'flac.mp4']) {
      const path = `${base}/${file}`;
      const first = await get(cdn.url + path, personal);
      const second = await get(cdn.url + path, { 'CloudFront-Viewer-Country': 'DE' });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.headers['x-cache-status'], second.headers['x-cache-status']]).toEqual(['MISS', 'HIT']);
      expect(second.body.equals(first.body)).toBe(true);
      expect(origin.hits(path)).toBe(1);
      // The stored object is the same for everyone, so nothing personal may shape it.
      const fill = origin.requests.find((entry) => entry.path === path)!;
      for (const name of ['cloudfront-viewer-country', 'cookie', 'authorization', 'origin', 'x-forwarded-host']) expect(fill.headers[name], name).toBeUndefined();
    }
    const log = await cdn.accessLog();
    expect(log.some((line) => line.includes('/flac.mp4') && line.includes('cache=HIT'))).toBe(true);
  });

  it('stores one gzip copy of a manifest and gunzips it for clients without gzip', async () => {
    const path = `${base}/aac-320.m3u8`;
    const zipped = await get(cdn.url + path, { 'Accept-Encoding': 'gzip, deflate, br' });
    const plain = await get(cdn.url + path);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(MANIFEST);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(MANIFEST);
    expect(plain.headers['x-cache-status']).toBe('HIT');
    // Downstream caches still learn that the answer depends on Accept-Encoding.
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(origin.requests.filter((entry) => entry.path === path).map((entry) => entry.acceptEncoding)).toEqual(['gzip']);
  });

  it('revalidates an expired manifest with its ETag and keeps the refreshed copy', async () => {
    const path = `${base}/short-aac-96.m3u8`;
    expect((await get(cdn.url + path)).headers['x-cache-status']).toBe('MISS');
    await sleep(2100);
    const refreshed = await get(cdn.url + path);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.toString('utf8')).toBe(MANIFEST);
    expect(refreshed.headers['x-cache-status']).toBe('REVALIDATED');
    expect((await get(cdn.url + path)).headers['x-cache-status']).toBe('HIT');
    const fills = origin.requests.filter((entry) => entry.path === path);
    expect(fills.map((entry) => entry.headers['if-none-match'])).toEqual([undefined, '"manifest-1"']);
  });

  it('answers 410 once a token has expired, never a stale copy', async () => {
    // A manifest that expires before its token, and media whose edge TTL the origin capped at
    // the token's expiry with s-maxage (without it the edge would keep immutable media a year).
    const manifest = `/media/${token('k1', 2)}/GBAYE2600001/0123456789abcdef0123/short-master.m3u8`;
    const media = `/media/${token('cap', 2)}/GBAYE2600001/0123456789abcdef0123/aac-96.mp4`;
    for (const path of [manifest, media]) {
      expect((await get(cdn.url + path)).headers['x-cache-status']).toBe('MISS');
      expect((await get(cdn.url + path)).headers['x-cache-status']).toBe('HIT');
    }
    // Expiries are whole seconds: wait out the token plus a second of rounding, bounded.
    const deadline = Date.now() + 5000;
    const seen = new Set<number>();
    let statuses = [0, 0];
    while (Date.now() < deadline) {
      statuses = await Promise.all([manifest, media].map(async (path) => (await get(cdn.url + path)).status));
      statuses.forEach((status) => seen.add(status));
      if (statuses.every((status) => status === 410)) break;
      await sleep(250);
    }
    expect(statuses).toEqual([410, 410]);
    expect([...seen].sort()).toEqual([200, 410]);
    // And it stays refused: nothing stale comes back.
    for (const path of [manifest, media]) {
      const reply = await get(cdn.url + path);
      expect(reply.status).toBe(410);
      expect(reply.headers['x-cache-status']).not.toBe('HIT');
    }
  });

  it('passes CORS preflights through uncached, with the Origin the browser sent', async () => {
    const path = `${base}/aac-96.mp4`;
    const headers = { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' };
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await new Promise<number>((resolve, reject) => {
        const req = request(cdn.url + path, { method: 'OPTIONS', headers, agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('OPTIONS timed out')));
        req.on('error', reject);
        req.end();
      });
      expect(reply).toBe(204);
    }
    const preflights = origin.requests.filter((entry) => entry.path === path && entry.method === 'OPTIONS');
    expect(preflights.map((entry) => [entry.headers.origin, entry.headers['access-control-request-headers']])).toEqual([
      ['https://player.example', 'range'],
      ['https://player.example', 'range'],
    ]);
  });

  it('refuses writes to media and oversized request headers at the edge', async () => {
    const path = `${base}/aac-96.mp4`;
    const before = origin.requests.length;
    const reply = await new Promise<{ status: number; allow?: string }>((resolve, reject) => {
      const req = request(cdn.url + path, { method: 'POST', agent: false, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, allow: res.headers.allow });
      });
      req.on('timeout', () => req.destroy(new Error('POST timed out')));
      req.on('error', reject);
      req.end('x');
    });
    expect(reply).toEqual({ status: 405, allow: 'GET, HEAD, OPTIONS' });
    // large_client_header_buffers 4 8k: one 16 KB header is refused before any proxying.
    expect((await get(cdn.url + path, { Cookie: `a=${'x'.repeat(16_000)}` })).status).toBe(400);
    expect(origin.requests.length).toBe(before);
  });
});

describe('startNginxCdn', () => {
  it('fails with a clear message when nginx is missing', async () => {
    await expect(startNginxCdn({ origin: 'http://127.0.0.1:9', nginxPath: '/nonexistent/nginx' })).rejects.toThrow(/no nginx executable at \/nonexistent\/nginx/);
  });

  it('refuses an origin with a path', async () => {
    await expect(startNginxCdn({ origin: 'http://127.0.0.1:9/base' })).rejects.toThrow(/http:\/\/HOST:PORT/);
  });
});
