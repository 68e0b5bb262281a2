// Issue 15 point 10: popularity cannot be pumped. HEAD is not a play, and repeated grants of one
// track to one client within the window count once; over the real app, catalog and store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish, withRaw } from '../catalog/test-support.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { createOriginApp } from './app.ts';
import { testOriginConfig } from './test-support.ts';
import type { OriginConfig, PlaySink } from './types.ts';
import { anonymousListeners } from '../listeners/test-support.ts';

const ISRC = 'GBAYE2600001';
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function origin(config: Partial<OriginConfig> = {}, playSink?: PlaySink) {
  dir = mkdtempSync(join(tmpdir(), 'cadence-plays-'));
  const path = join(dir, 'catalog.db');
  const catalog = openCatalog(path);
  catalog.publish(samplePublish({ isrc: ISRC }));
  let now = Date.parse('2026-12-03T10:00:00Z');
  const app = createOriginApp(
    testOriginConfig({ defaultCountry: 'GB', ...config }),
    { store: openObjectStore(`file://${join(dir, 'objects')}`, {}), catalog, logger: pino({ level: 'silent' }), now: () => new Date(now), listeners: anonymousListeners(), playSink },
  );
  const request = async (method: 'GET' | 'HEAD', from: string) => {
    const response = await app.fetch(new Request(`http://origin/v1/tracks/${ISRC}/playback`, { method }), {
      incoming: { url: `/v1/tracks/${ISRC}/playback`, headers: {}, socket: { remoteAddress: from } },
    } as never);
    expect(response.status).toBe(200);
  };
  const plays = (): number => {
    app.stop();
    catalog.close();
    return withRaw(path, (db) => (db.prepare('SELECT plays FROM play_counts WHERE isrc = ?').pluck().get(ISRC) as number | undefined) ?? 0);
  };
  return { request, plays, advance: (ms: number) => (now += ms) };
}

describe('play counting', () => {
  it('HEAD on a playback grant is never a play', async () => {
    const o = origin({ playWindowSeconds: 0 });
    for (let i = 0; i < 5; i++) await o.request('HEAD', '198.51.100.7');
    expect(o.plays()).toBe(0);
  });

  it('repeated grants of one track to one client within the window count once', async () => {
    const o = origin({ playWindowSeconds: 600 });
    for (let i = 0; i < 50; i++) await o.request('GET', '198.51.100.7');
    await o.request('GET', '203.0.113.9');
    expect(o.plays()).toBe(2);
  });

  it('the same client counts again once the window has passed', async () => {
    const o = origin({ playWindowSeconds: 600 });
    await o.request('GET', '198.51.100.7');
    o.advance(599_000);
    await o.request('GET', '198.51.100.7');
    o.advance(2_000);
    await o.request('GET', '198.51.100.7');
    expect(o.plays()).toBe(2);
  });
});

describe('play counting with a sink (CADENCE_QUEUE: the shared play stream)', () => {
  it('hands the deduplicated counts to the sink and leaves the local catalog to the stream reader', async () => {
    const handed: Array<{ isrc: string; plays: number }> = [];
    const o = origin({ playWindowSeconds: 600 }, { write: (counts) => void handed.push(...counts), intervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await o.request('GET', '198.51.100.7');
    await o.request('GET', '203.0.113.9');
    // Stopping flushes what is pending to the sink; the catalog counted nothing itself.
    expect(o.plays()).toBe(0);
    expect(handed).toEqual([{ isrc: ISRC, plays: 2 }]);
  });
});
