import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCover } from '../fixtures/cover-images.ts';
import type { ReleaseRefusal } from '../listeners/release-takedown.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { coverOriginalKey, coverRenditionKey } from '../storage/layout.ts';
import { coverUrl, createCoverRoute } from './cover-route.ts';

const UPC = '012345678905';
const RELEASE_ID_REASON = 'the release must be named by its UPC/EAN (12 or 13 digits), grid:<GRid> or proprietary:<namespace>:<id>';
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('GET /v1/releases/{upc}/cover', () => {
  let root = '';
  let store: FsObjectStore;
  let originalKey = '';
  let originalSha = '';
  const covers = new Map<string, string>();
  const route = () => createCoverRoute({ store, coverKeyOf: async (upc) => covers.get(upc) ?? null });
  const get = (app: ReturnType<typeof route>, path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'cadence-cover-route-'));
    store = new FsObjectStore({ root });
    const original = await makeCover({ width: 1500, height: 1500 });
    originalSha = sha(original);
    originalKey = coverOriginalKey(UPC, originalSha, 'jpg');
    await store.putBytes(originalKey, original, { contentType: 'image/jpeg' });
    covers.clear();
    covers.set(UPC, originalKey);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it.each([160, 320, 640, 1280])('serves a %i px square JPEG with a strong content ETag and CDN caching', async (size) => {
    const response = await get(route(), `/v1/releases/${UPC}/cover?size=${size}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/jpeg');
    const body = new Uint8Array(await response.arrayBuffer());
    expect(response.headers.get('Content-Length')).toBe(String(body.length));
    expect(response.headers.get('ETag')).toBe(`"${sha(body)}"`);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300, s-maxage=86400, stale-while-revalidate=86400');
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', size, size]);
    // Stored back for the other nodes.
    expect((await store.getBytes(coverRenditionKey(originalKey, size))).equals(body)).toBe(true);
  });

  it('HEAD answers the headers without the body', async () => {
    const app = route();
    const full = await get(app, `/v1/releases/${UPC}/cover?size=160`);
    const head = await app.request(`/v1/releases/${UPC}/cover?size=160`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('ETag')).toBe(full.headers.get('ETag'));
    expect(head.headers.get('Content-Length')).toBe(full.headers.get('Content-Length'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('without size serves 640', async () => {
    const response = await get(route(), `/v1/releases/${UPC}/cover`);
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(640);
  });

  it('is immutable for a year at the versioned URL, short-lived when the version is stale', async () => {
    const app = route();
    expect(coverUrl(UPC, originalSha, 320)).toBe(`/v1/releases/${UPC}/cover?size=320&v=${originalSha.slice(0, 16)}`);
    const current = await get(app, coverUrl(UPC, originalSha, 320));
    expect(current.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    const stale = await get(app, coverUrl(UPC, 'f'.repeat(64), 320));
    expect(stale.status).toBe(200);
    expect(stale.headers.get('Cache-Control')).toMatch(/^public, max-age=300/);
  });

  it('answers 304 to a matching If-None-Match (strong, weak or in a list), 200 otherwise', async () => {
    const app = route();
    const first = await get(app, `/v1/releases/${UPC}/cover?size=160`);
    const etag = first.headers.get('ETag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await get(app, `/v1/releases/${UPC}/cover?size=160`, { 'If-None-Match': ifNoneMatch });
      expect(again.status, ifNoneMatch).toBe(304);
      expect(again.headers.get('ETag')).toBe(etag);
      expect((await again.arrayBuffer()).byteLength).toBe(0);
    }
    expect((await get(app, `/v1/releases/${UPC}/cover?size=160`, { 'If-None-Match': '"nope"' })).status).toBe(200);
  });

  it('renders each size once: later requests come from memory', async () => {
    const app = route();
    const first = await get(app, `/v1/releases/${UPC}/cover?size=320`);
    await store.delete(coverRenditionKey(originalKey, 320));
    await store.delete(originalKey);
    const second = await get(app, `/v1/releases/${UPC}/cover?size=320`);
    expect(second.status).toBe(200);
    expect(second.headers.get('ETag')).toBe(first.headers.get('ETag'));
    expect(await store.head(coverRenditionKey(originalKey, 320))).toBeNull();
  });

  it('another node reuses the stored size with the same ETag, without the original', async () => {
    const etag = (await get(route(), `/v1/releases/${UPC}/cover?size=640`)).headers.get('ETag');
    await store.delete(originalKey);
    const otherNode = await get(route(), `/v1/releases/${UPC}/cover?size=640`);
    expect(otherNode.status).toBe(200);
    expect(otherNode.headers.get('ETag')).toBe(etag);
  });

  it('two nodes rendering at once agree on one stored rendition', async () => {
    const [a, b] = await Promise.all([get(route(), `/v1/releases/${UPC}/cover?size=1280`), get(route(), `/v1/releases/${UPC}/cover?size=1280`)]);
    expect(a.headers.get('ETag')).toBe(b.headers.get('ETag'));
    expect(a.headers.get('ETag')).toBe(`"${sha(await store.getBytes(coverRenditionKey(originalKey, 1280)))}"`);
  });

  it('crops a non-square original to the centre square and flattens PNG transparency onto white', async () => {
    const png = await makeCover({ width: 1600, height: 900, format: 'png', alpha: true });
    const key = coverOriginalKey('4006381333931', sha(png), 'png');
    await store.putBytes(key, png);
    covers.set('4006381333931', key);
    const response = await get(route(), '/v1/releases/4006381333931/cover?size=320');
    const out = sharp(Buffer.from(await response.arrayBuffer()));
    expect(await out.metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 320, channels: 3 });
    // The left half of the original is transparent: white after flattening.
    const { data } = await out.raw().toBuffer({ resolveWithObject: true });
    expect([data[0], data[1], data[2]].every((v) => v! > 240)).toBe(true);
  });

  it('serves a release known by its GRid or proprietary id like one known by its UPC', async () => {
    const cover = await makeCover({ width: 700, height: 700 });
    for (const id of ['grid:A12425GABC1234002M', 'proprietary:PADPIDA2026120301X:NLR-0042']) {
      const key = coverOriginalKey(id, sha(cover), 'png');
      await store.putBytes(key, cover);
      covers.set(id, key);
      const response = await get(route(), `/v1/releases/${id}/cover?size=320`);
      expect(response.status, id).toBe(200);
      expect(response.headers.get('Content-Type')).toBe('image/jpeg');
      expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(320);
    }
  });

  it('redirects a release named by another of its ids to the URL under its own id, query kept, renders nothing for it', async () => {
    // The lookup finds release grid:… by its ICPN alias: the key names the release's own id.
    const id = 'grid:A12425GABC1234002M';
    const key = coverOriginalKey(id, originalSha, 'jpg');
    await store.putBytes(key, await store.getBytes(originalKey));
    covers.set('5012345678900', key);
    const response = await get(route(), '/v1/releases/5012345678900/cover?size=320&v=abc');
    expect(response.status).toBe(308);
    expect(response.headers.get('Location')).toBe(`/v1/releases/${id}/cover?size=320&v=abc`);
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=86400');
    expect(await store.head(coverRenditionKey(key, 320))).toBeNull();
    // A bad size is still a 400 first.
    expect((await get(route(), '/v1/releases/5012345678900/cover?size=77')).status).toBe(400);
  });

  it('never enlarges: a 640 original answers 1280 with 640 pixels', async () => {
    const small = await makeCover({ width: 640, height: 640 });
    const key = coverOriginalKey('4006381333931', sha(small), 'jpg');
    await store.putBytes(key, small);
    covers.set('4006381333931', key);
    const response = await get(route(), '/v1/releases/4006381333931/cover?size=1280');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(640);
  });

  it.each([
    [`/v1/releases/${UPC}/cover?size=500`, 'size must be one of 160, 320, 640, 1280'],
    [`/v1/releases/${UPC}/cover?size=abc`, 'size must be one of 160, 320, 640, 1280'],
    [`/v1/releases/${UPC}/cover?size=320.0`, 'size must be one of 160, 320, 640, 1280'],
    ['/v1/releases/12345/cover?size=320', RELEASE_ID_REASON],
    ['/v1/releases/grid:A1-2425G/cover?size=320', RELEASE_ID_REASON],
    ['/v1/releases/proprietary:a%2Fb:c/cover?size=320', RELEASE_ID_REASON],
  ])('400 with a JSON reason: %s', async (path, message) => {
    const response = await get(route(), path);
    expect(response.status).toBe(400);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(await response.json()).toEqual({ error: 'bad_request', message });
  });

  it('404 for a release without a cover, and when the stored original is gone', async () => {
    const none = await get(route(), '/v1/releases/4006381333931/cover?size=320');
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'not_found', message: 'release 4006381333931 has no cover' });
    await store.delete(originalKey);
    expect((await get(route(), `/v1/releases/${UPC}/cover?size=320`)).status).toBe(404);
  });

  it('410 release_taken_down once refuseRelease says so, at every URL and even to a matching If-None-Match, cached briefly', async () => {
    let refusal: ReleaseRefusal | null = null;
    const app = createCoverRoute({ store, coverKeyOf: async (upc) => covers.get(upc) ?? null, refuseRelease: () => refusal });
    const served = await get(app, coverUrl(UPC, originalSha, 320));
    expect(served.status).toBe(200);
    refusal = { status: 410, error: 'release_taken_down', message: `release ${UPC} was taken down: label request`, details: { since: '2026-12-03T10:00:00.000Z', source: 'operator' } };
    for (const [path, headers] of [
      [coverUrl(UPC, originalSha, 320), {}],
      [`/v1/releases/${UPC}/cover`, {}],
      [coverUrl(UPC, originalSha, 320), { 'If-None-Match': served.headers.get('ETag')! }],
    ] as const) {
      const gone = await get(app, path, headers);
      expect(gone.status, path).toBe(410);
      expect(gone.headers.get('Cache-Control')).toBe('public, max-age=60');
      expect(gone.headers.get('ETag')).toBeNull();
      expect(await gone.json()).toEqual({ error: 'release_taken_down', message: `release ${UPC} was taken down: label request`, since: '2026-12-03T10:00:00.000Z', source: 'operator' });
    }
    refusal = null;
    expect((await get(app, coverUrl(UPC, originalSha, 320))).status).toBe(200);
  });

  it('a release without a cover stays a 404 when taken down; a failing availability read is a 503', async () => {
    const refusal: ReleaseRefusal = { status: 410, error: 'release_taken_down', message: 'gone', details: {} };
    const down = createCoverRoute({ store, coverKeyOf: async (upc) => covers.get(upc) ?? null, refuseRelease: () => refusal });
    expect((await get(down, '/v1/releases/4006381333931/cover')).status).toBe(404);
    const broken = createCoverRoute({ store, coverKeyOf: async (upc) => covers.get(upc) ?? null, refuseRelease: () => { throw new Error('catalog closed'); } });
    const response = await get(broken, `/v1/releases/${UPC}/cover`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'unavailable', message: 'the catalog is unavailable' });
  });

  it('503 when the cover lookup fails', async () => {
    const app = createCoverRoute({ store, coverKeyOf: async () => Promise.reject(new Error('catalog closed')) });
    const response = await app.request(`/v1/releases/${UPC}/cover?size=320`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'unavailable', message: 'the catalog is unavailable' });
  });
});
