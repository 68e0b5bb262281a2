// A release's cover follows its takedown, through the whole origin app over a real catalog and
// store: 410 `release_taken_down` once every track of the release is taken down (operator or
// DDEX), the cover again after a restore, each seen within the availability bound; a node that
// follows the journal decides from its own catalog alone.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog, CatalogChange, PublishInput } from '../catalog/types.ts';
import { makeCover } from '../fixtures/cover-images.ts';
import { anonymousListeners } from '../listeners/test-support.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { coverOriginalKey } from '../storage/layout.ts';
import { type OriginApp, createOriginApp } from './app.ts';
import { coverUrl } from './cover-route.ts';
import { testOriginConfig } from './test-support.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const UPC = '012345678905';
const [FIRST, SECOND] = ['GBAYE2600001', 'GBAYE2600002'] as const;
const MAX_AGE_MS = 1000;

let dir: string;
let store: FsObjectStore;
let sha256: string;
let inputs: PublishInput[];
let clock: number;
const catalogs: Catalog[] = [];
const apps: OriginApp[] = [];

function origin(catalog: Catalog): OriginApp {
  const app = createOriginApp(testOriginConfig({ availabilityMaxAgeMs: MAX_AGE_MS }), { store, catalog, logger: silent, listeners: anonymousListeners(), now: () => new Date(clock) });
  apps.push(app);
  return app;
}

function newCatalog(): Catalog {
  const catalog = openCatalog(':memory:');
  catalogs.push(catalog);
  return catalog;
}

const get = (app: OriginApp, path: string) => app.fetch(new Request(`http://origin${path}`), { incoming: { url: path, socket: { remoteAddress: '127.0.0.1' } } } as never);
const status = async (app: OriginApp, path = coverUrl(UPC, sha256, 320)) => (await get(app, path)).status;
/** Lets the availability bound pass, as a real clock would. */
const later = () => (clock += MAX_AGE_MS);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-cover-takedown-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
  const original = await makeCover({ width: 700, height: 700 });
  sha256 = createHash('sha256').update(original).digest('hex');
  await store.putBytes(coverOriginalKey(UPC, sha256, 'jpg'), original);
  inputs = [FIRST, SECOND].map((isrc, i) => {
    const input = samplePublish({ isrc, upc: UPC, version: `v${i + 1}` });
    return { ...input, release: { ...input.release, cover: { sha256, extension: 'jpg' } } };
  });
  clock = Date.parse('2026-12-03T12:00:00.000Z');
});
afterEach(() => {
  for (const app of apps.splice(0)) app.stop();
  for (const catalog of catalogs.splice(0)) catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the cover of a taken-down release', () => {
  it('is served while one track is available, 410 once every track is taken down, and back after a restore', async () => {
    const catalog = newCatalog();
    inputs.forEach((input) => catalog.publish(input));
    const app = origin(catalog);
    expect(await status(app)).toBe(200);

    catalog.setTakedown({ isrcs: [FIRST] }, { source: 'operator', reason: 'label request', at: '2026-12-03T12:00:00.000Z' });
    later();
    expect(await status(app)).toBe(200);

    catalog.setTakedown({ isrcs: [SECOND] }, { source: 'operator', reason: 'label request', at: '2026-12-03T12:00:01.000Z' });
    later();
    for (const path of [coverUrl(UPC, sha256, 320), coverUrl(UPC, sha256, 1280), `/v1/releases/${UPC}/cover`]) {
      const gone = await get(app, path);
      expect(gone.status, path).toBe(410);
      expect(gone.headers.get('Cache-Control')).toBe('public, max-age=60');
      expect(gone.headers.get('Content-Type')).toMatch(/^application\/json/);
      expect(await gone.json()).toEqual({ error: 'release_taken_down', message: `release ${UPC} was taken down: label request`, since: '2026-12-03T12:00:01.000Z', source: 'operator' });
    }

    catalog.setTakedown({ isrcs: [SECOND] }, null);
    later();
    expect(await status(app)).toBe(200);
  });

  it('a request by another id of the release is redirected to its own id, which answers the 410', async () => {
    const catalog = newCatalog();
    inputs.forEach((input) => catalog.publish({ ...input, release: { ...input.release, aliases: ['grid:A12425GABC1234002M'] } }));
    catalog.setTakedown({ upc: 'grid:A12425GABC1234002M' }, { source: 'operator', reason: 'label request', at: '2026-12-03T12:00:00.000Z' });
    const app = origin(catalog);
    const redirect = await get(app, '/v1/releases/grid:A12425GABC1234002M/cover?size=320');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('Location')).toBe(`/v1/releases/${UPC}/cover?size=320`);
    expect(await status(app, `/v1/releases/${UPC}/cover?size=320`)).toBe(410);
  });

  it('a DDEX purge takes it down too, naming the message', async () => {
    const catalog = newCatalog();
    inputs.forEach((input) => catalog.publish(input));
    const app = origin(catalog);
    expect(await status(app)).toBe(200);
    catalog.setTakedown({ upc: UPC }, { source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-03T12:00:00.000Z' });
    later();
    const gone = await get(app, `/v1/releases/${UPC}/cover?size=160`);
    expect(gone.status).toBe(410);
    expect(await gone.json()).toMatchObject({ error: 'release_taken_down', source: 'ddex', messageId: 'ALBUM-2' });
  });

  it('on a node following the journal, the decision is its own catalog\'s: 410 once it applies the entry, not before', async () => {
    const writer = newCatalog();
    const follower = newCatalog();
    inputs.forEach((input) => writer.publish(input));
    const entries: CatalogChange[] = [
      ...inputs.map((input) => ({ kind: 'publish' as const, input })),
      { kind: 'availability', isrcs: [FIRST, SECOND], takedown: { source: 'operator', reason: 'territory dispute', at: '2026-12-03T12:00:00.000Z' }, upc: UPC },
    ];
    const apply = (number: number) => follower.applyJournalEntry(JSON.parse(JSON.stringify({ number, at: '2026-12-03T12:00:00.000Z', writer: 'test', change: entries[number - 1] })));
    apply(1);
    apply(2);
    const node = origin(follower);
    expect(await status(node)).toBe(200);
    // The writer's catalog has the takedown; the follower has not read the entry yet.
    writer.setTakedown({ upc: UPC }, { source: 'operator', reason: 'territory dispute', at: '2026-12-03T12:00:00.000Z' });
    later();
    expect(await status(origin(writer))).toBe(410);
    expect(await status(node)).toBe(200);
    expect(apply(3)).toBe(true);
    later();
    expect(await status(node)).toBe(410);
  });
});
