// The origin's routes under the rights model, with the app's clock pinned: start and end dates to
// the second in UTC, invisibility before the start, excluded territories, takedowns, and whose
// country header counts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { type OriginApp, createOriginApp } from './app.ts';
import { testOriginConfig } from './test-support.ts';
import type { PlaybackGrant } from './types.ts';
import { anonymousListeners } from '../listeners/test-support.ts';

const WINDOWED = 'GBAYE2600001';
const NOT_IN_FRANCE = 'GBAYE2600002';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let catalog: Catalog;
let app: OriginApp;
let clock: Date;

beforeEach(() => {
  clock = new Date('2026-12-01T00:00:00Z');
  dir = mkdtempSync(join(tmpdir(), 'cadence-rights-routes-'));
  catalog = openCatalog(':memory:', { now: () => clock });
  catalog.publish({
    ...samplePublish({ isrc: WINDOWED, title: 'Window' }),
    rights: { territories: ['WW'], excludedTerritories: [], startsAt: '2026-12-24T17:00:00+01:00', endsAt: '2027-01-01T00:00:00Z', tiers: null },
  });
  catalog.publish({
    ...samplePublish({ isrc: NOT_IN_FRANCE, title: 'Elsewhere', version: '0123456789abcdef0123' }),
    rights: { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-01-01T00:00:00Z', endsAt: null, tiers: null },
  });
  const config = testOriginConfig({ trustedProxies: ['10.0.0.0/8'] });
  app = createOriginApp(config, { store: openObjectStore(`file://${join(dir, 'objects')}`), catalog, logger: silent, now: () => clock, listeners: anonymousListeners() });
});
afterEach(() => {
  app.stop();
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A request as @hono/node-server hands it over: the raw Node request rides along as `env`. */
async function get(path: string, { from = '10.0.0.9', headers = {} }: { from?: string; headers?: Record<string, string> } = {}) {
  const response = await app.fetch(new Request(`http://origin${path}`, { headers }), { incoming: { url: path, socket: { remoteAddress: from } } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & Partial<PlaybackGrant> };
}

describe('rights on the API', () => {
  it('keeps a track invisible before its start, to the second in UTC, then grants until its end', async () => {
    clock = new Date('2026-12-24T15:59:59.999Z');
    expect(await get(`/v1/tracks/${WINDOWED}`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await get(`/v1/tracks/${WINDOWED}/playback`)).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(catalog.search({ q: 'window' })).toEqual([]);

    clock = new Date('2026-12-24T16:00:00.000Z');
    expect((await get(`/v1/tracks/${WINDOWED}`)).status).toBe(200);
    expect((await get(`/v1/tracks/${WINDOWED}/playback`)).status).toBe(200);

    clock = new Date('2026-12-31T23:59:59.999Z');
    expect((await get(`/v1/tracks/${WINDOWED}/playback`)).status).toBe(200);
    clock = new Date('2027-01-01T00:00:00.000Z');
    expect(await get(`/v1/tracks/${WINDOWED}/playback`)).toMatchObject({
      status: 410,
      body: { error: 'rights_ended', endsAt: '2027-01-01T00:00:00.000Z' },
    });
  });

  it('refuses an excluded territory, and ignores a country header from an address that is not the CDN', async () => {
    clock = new Date('2026-12-03T12:00:00Z');
    const path = `/v1/tracks/${NOT_IN_FRANCE}/playback`;
    expect(await get(path, { headers: { 'CloudFront-Viewer-Country': 'FR' } })).toMatchObject({ status: 451, body: { error: 'territory_not_licensed', country: 'FR' } });
    expect((await get(path, { headers: { 'CloudFront-Viewer-Country': 'GB' } })).status).toBe(200);
    // The same header straight from a client: not believed, so the country is unknown, and
    // worldwide-minus-France does not pass an unknown country.
    expect(await get(path, { from: '192.0.2.7', headers: { 'CloudFront-Viewer-Country': 'GB' } })).toMatchObject({ status: 451, body: { country: 'unknown' } });
  });

  it('refuses grants at once after a takedown, and media under a token issued before it', async () => {
    clock = new Date('2026-12-03T12:00:00Z');
    const granted = await get(`/v1/tracks/${NOT_IN_FRANCE}/playback`, { headers: { 'CloudFront-Viewer-Country': 'GB' } });
    expect(granted.status).toBe(200);
    catalog.setTakedown({ isrcs: [NOT_IN_FRANCE] }, { source: 'operator', reason: 'label request', at: clock.toISOString() });
    expect(await get(`/v1/tracks/${NOT_IN_FRANCE}/playback`, { headers: { 'CloudFront-Viewer-Country': 'GB' } })).toMatchObject({
      status: 410,
      body: { error: 'taken_down', message: `${NOT_IN_FRANCE} was taken down: label request`, source: 'operator' },
    });
    clock = new Date(clock.getTime() + 1000);
    const media = await app.serveMedia({ method: 'GET', rawPath: granted.body.hls!, headers: new Headers() });
    expect(media.status).toBe(410);
    expect(JSON.parse(Buffer.from(media.body as Uint8Array).toString('utf8'))).toMatchObject({ error: 'taken_down' });
  });
});
