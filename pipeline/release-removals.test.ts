// Release removals recorded in a real file store and replayed onto a rebuilt catalog, as reindex does.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { RELEASE_REMOVALS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import { removeTracksFromRelease, replayRemovals } from './release-removals.ts';

const UPC = '012345678905';
const [A, B] = ['GBAYE2600001', 'GBAYE2600002'];
let dir: string;
let store: ObjectStore;
const opened: Catalog[] = [];

function catalogWithBoth(name: string): Catalog {
  const catalog = openCatalog(join(dir, `${name}.db`));
  opened.push(catalog);
  catalog.publishMany([samplePublish({ isrc: A }), samplePublish({ isrc: B, title: 'Aubade' })]);
  return catalog;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-release-removals-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
});
afterEach(() => {
  for (const catalog of opened.splice(0)) catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('release removals', () => {
  it('are recorded create-only and replayed onto a rebuilt catalog', async () => {
    const live = catalogWithBoth('live');
    const removal = await removeTracksFromRelease({ store, catalog: live, upc: UPC, isrcs: [B], cause: 'DDEX message M-2 no longer lists them', now: () => new Date('2026-12-02T10:00:00Z') });
    expect(removal).toEqual({ removed: [B], moved: [], onNoRelease: [B] });
    const keys: string[] = [];
    for await (const { key } of store.list(RELEASE_REMOVALS_PREFIX)) keys.push(key);
    expect(keys).toEqual([expect.stringMatching(/^release-removals\/20261202T100000000Z-[0-9a-f]{12}\.json$/)]);

    // Facts stored before the record: the rebuilt catalog loses the track from the release too.
    const rebuilt = catalogWithBoth('rebuilt');
    expect(await replayRemovals({ store, catalog: rebuilt, storedAt: () => new Date(0) })).toBe(1);
    expect(rebuilt.listTracks({ upc: UPC })!.map((t) => t.isrc)).toEqual([A]);
    expect(rebuilt.getTrack(B)!.releases).toEqual([]);
  });

  it('leave a track that came back onto the release (its facts stored after the record) where it is', async () => {
    const live = catalogWithBoth('live');
    await removeTracksFromRelease({ store, catalog: live, upc: UPC, isrcs: [B], cause: 'test' });
    const rebuilt = catalogWithBoth('rebuilt');
    const later = new Date(Date.now() + 60_000);
    expect(await replayRemovals({ store, catalog: rebuilt, storedAt: (isrc) => (isrc === B ? later : null) })).toBe(0);
    expect(rebuilt.listTracks({ upc: UPC })!.map((t) => t.isrc)).toEqual([A, B]);
  });
});
