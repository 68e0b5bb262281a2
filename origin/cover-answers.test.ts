// Covers through the whole origin app: the route is registered over the catalog's facts, and the
// track and search answers carry a URL that the route answers (the cover route's own behaviour is
// in cover-route.test.ts).

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog, PublishInput } from '../catalog/types.ts';
import { makeCover } from '../fixtures/cover-images.ts';
import { anonymousListeners } from '../listeners/test-support.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { coverOriginalKey } from '../storage/layout.ts';
import { type OriginApp, createOriginApp } from './app.ts';
import { testOriginConfig } from './test-support.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const WITH_COVER = '012345678905';
const WITHOUT_COVER = '4006381333931';

let dir: string;
let catalog: Catalog;
let store: FsObjectStore;
let sha256: string;
const apps: OriginApp[] = [];

function origin(publicUrl: string | null = null, now?: () => Date): OriginApp {
  const app = createOriginApp(testOriginConfig({ publicUrl }), { store, catalog, logger: silent, listeners: anonymousListeners(), ...(now ? { now } : {}) });
  apps.push(app);
  return app;
}

const get = (app: OriginApp, path: string, headers: Record<string, string> = {}) => app.fetch(new Request(`http://origin${path}`, { headers }), { incoming: { url: path, socket: { remoteAddress: '127.0.0.1' } } } as never);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-cover-answers-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
  catalog = openCatalog(':memory:');
  const original = await makeCover({ width: 1400, height: 1400, format: 'png' });
  sha256 = createHash('sha256').update(original).digest('hex');
  await store.putBytes(coverOriginalKey(WITH_COVER, sha256, 'png'), original);
  const covered = samplePublish({ isrc: 'GBAYE2600001', upc: WITH_COVER, title: 'Prelude' });
  catalog.publish({ ...covered, release: { ...covered.release, cover: { sha256, extension: 'png' } } });
  catalog.publish(samplePublish({ isrc: 'GBAYE2600002', upc: WITHOUT_COVER, title: 'Postlude' }));
});
afterEach(() => {
  for (const app of apps.splice(0)) app.stop();
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('covers in the origin', () => {
  it('the track answer carries the versioned cover URL, and the route answers it: a 640 px JPEG, immutable, with a strong ETag', async () => {
    const app = origin();
    const track = (await (await get(app, '/v1/tracks/GBAYE2600001')).json()) as { cover: string };
    expect(track.cover).toBe(`/v1/releases/${WITH_COVER}/cover?size=640&v=${sha256.slice(0, 16)}`);
    const response = await get(app, track.cover);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('image/jpeg');
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('ETag')).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
    expect(await sharp(body).metadata()).toMatchObject({ format: 'jpeg', width: 640, height: 640 });
    const again = await get(app, track.cover, { 'If-None-Match': response.headers.get('ETag')! });
    expect(again.status).toBe(304);
  });

  it('every listed size, and 400 for any other', async () => {
    const app = origin();
    for (const size of [160, 320, 640, 1280]) {
      const response = await get(app, `/v1/releases/${WITH_COVER}/cover?size=${size}`);
      expect(response.status).toBe(200);
      expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(size);
    }
    const bad = await get(app, `/v1/releases/${WITH_COVER}/cover?size=999`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad_request', message: 'size must be one of 160, 320, 640, 1280' });
  });

  it('search results carry the cover URL (null without one), not the hash', async () => {
    const app = origin();
    const search = async (q: string) => ((await (await get(app, `/v1/search?q=${q}`)).json()) as { results: Array<Record<string, unknown>> }).results;
    const results = [...(await search('prelude')), ...(await search('postlude'))];
    const byIsrc = Object.fromEntries(results.map((result) => [result.isrc, result]));
    expect(byIsrc.GBAYE2600001).toMatchObject({ upc: WITH_COVER, cover: `/v1/releases/${WITH_COVER}/cover?size=640&v=${sha256.slice(0, 16)}` });
    expect(byIsrc.GBAYE2600002).toMatchObject({ upc: WITHOUT_COVER, cover: null });
    expect(results.every((result) => !('coverSha256' in result))).toBe(true);
  });

  it('URLs are absolute under CADENCE_PUBLIC_URL', async () => {
    const app = origin('https://cdn.example.com/');
    const track = (await (await get(app, '/v1/tracks/GBAYE2600001')).json()) as { cover: string };
    expect(track.cover).toBe(`https://cdn.example.com/v1/releases/${WITH_COVER}/cover?size=640&v=${sha256.slice(0, 16)}`);
  });

  it("404 (never cached) until the release's first track starts, then the cover", async () => {
    const upc = '036000291452';
    const covered = samplePublish({ isrc: 'GBAYE2600003', upc, title: 'Overture', version: 'v3' });
    catalog.publish({
      ...covered,
      release: { ...covered.release, cover: { sha256, extension: 'png' } },
      rights: { territories: ['WW'], excludedTerritories: [], startsAt: '2030-06-01T00:00:00Z', endsAt: null, tiers: null },
    });
    // The original is content-addressed per release: the same image stored for this one too.
    await store.putBytes(coverOriginalKey(upc, sha256, 'png'), await store.getBytes(coverOriginalKey(WITH_COVER, sha256, 'png')));
    const before = await get(origin(null, () => new Date('2030-05-31T23:59:59Z')), `/v1/releases/${upc}/cover`);
    expect(before.status).toBe(404);
    expect(before.headers.get('Cache-Control')).toBe('no-store');
    expect((await get(origin(null, () => new Date('2030-06-01T00:00:00Z')), `/v1/releases/${upc}/cover`)).status).toBe(200);
  });

  it("no cache keeps a cover past the end of the release's last track's rights, and after it the cover is a 404", async () => {
    const upc = '036000291452';
    const rights = (isrc: string, endsAt: string | null): PublishInput => {
      const covered = samplePublish({ isrc, upc, title: 'Overture', version: `v-${isrc}` });
      return {
        ...covered,
        release: { ...covered.release, cover: { sha256, extension: 'png' } },
        rights: { territories: ['WW'], excludedTerritories: [], startsAt: '2030-01-01T00:00:00Z', endsAt, tiers: null },
      };
    };
    catalog.publish(rights('GBAYE2600003', '2030-06-01T00:00:00Z'));
    catalog.publish(rights('GBAYE2600004', '2030-06-30T00:00:00Z'));
    await store.putBytes(coverOriginalKey(upc, sha256, 'png'), await store.getBytes(coverOriginalKey(WITH_COVER, sha256, 'png')));
    const url = `/v1/releases/${upc}/cover?size=640&v=${sha256.slice(0, 16)}`;
    const at = (when: string) => get(origin(null, () => new Date(when)), url);

    // A year ahead of the end: the usual immutable policy would outlive it; capped at the last end.
    const early = await at('2030-06-29T23:00:00Z');
    expect(early.status).toBe(200);
    expect(early.headers.get('Cache-Control')).toBe('public, max-age=3600');
    const unversioned = await get(origin(null, () => new Date('2030-06-29T23:00:00Z')), `/v1/releases/${upc}/cover`);
    expect(unversioned.headers.get('Cache-Control')).toBe('public, max-age=3600');
    const after = await at('2030-06-30T00:00:00Z');
    expect(after.status).toBe(404);
    expect(after.headers.get('Cache-Control')).toBe('no-store');

    // One open-ended track: the release's artwork has no end, the usual policy again.
    catalog.publish(rights('GBAYE2600005', null));
    const open = await at('2030-06-30T00:00:00Z');
    expect(open.status).toBe(200);
    expect(open.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
  });

  it('404 for a release without a cover and for an unknown release; the track answer says null', async () => {
    const app = origin();
    expect(((await (await get(app, '/v1/tracks/GBAYE2600002')).json()) as { cover: unknown }).cover).toBeNull();
    for (const upc of [WITHOUT_COVER, '036000291452']) {
      const response = await get(app, `/v1/releases/${upc}/cover?size=320`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'not_found', message: `release ${upc} has no cover` });
    }
  });
});
