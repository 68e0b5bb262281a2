import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { DESCRIPTION_FILE, META_FILE, META_REVISIONS_DIR, versionPrefix } from '../storage/layout.ts';
import { openObjectStore } from '../storage/open-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { VersionMeta } from './publish.ts';
import { reindexCatalog } from './reindex.ts';

// Reindex reads stored versions in parallel and publishes them in batches: every track must come
// back with its facts, in the listing's order, and a track whose stored facts name two labels is
// left out alone — not the batch it was published with.

// A real packaging's description (the manifests' golden), its bitrates whole as the packager measures them.
const golden = JSON.parse(readFileSync(new URL('../manifests/testdata/stereo-44k/description.json', import.meta.url), 'utf8')) as {
  renditions: Array<{ averageBitrate: number; peakBitrate: number }>;
};
for (const rendition of golden.renditions) [rendition.averageBitrate, rendition.peakBitrate] = [Math.round(rendition.averageBitrate), Math.round(rendition.peakBitrate)];
const DESCRIPTION = Buffer.from(JSON.stringify(golden));

let scratch: string;
let store: ObjectStore;
let catalog: Catalog;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-reindex-'));
  store = openObjectStore(`file://${join(scratch, 'objects')}`);
  catalog = openCatalog(join(scratch, 'catalog.db'));
});
afterEach(async () => {
  catalog.close();
  await rm(scratch, { recursive: true, force: true });
});

const isrcOf = (i: number): string => `QZRDX${String(i).padStart(7, '0')}`;

async function storeVersion(meta: VersionMeta, version: string): Promise<void> {
  const prefix = versionPrefix(meta.track.isrc, version);
  await store.putBytes(`${prefix}${META_FILE}`, Buffer.from(JSON.stringify(meta)));
  await store.putBytes(`${prefix}${DESCRIPTION_FILE}`, DESCRIPTION);
}

function metaOf(i: number, label = 'Northern Lights Records'): VersionMeta {
  const { release, track } = samplePublish({ isrc: isrcOf(i), label, title: `Piece ${i}` });
  return { release, track: { ...track, trackNumber: i + 1, credits: [{ name: 'Åsa Berg', role: 'Composer' }] } };
}

describe('reindexCatalog', () => {
  it('brings back every track of more than one batch, with its facts', async () => {
    const count = 250;
    for (let i = 0; i < count; i += 1) await storeVersion(metaOf(i), `v${i}`);
    const report = await reindexCatalog({ store, catalog });
    expect(report).toMatchObject({ tracks: count, versions: count, incomplete: 0, conflicts: 0 });
    expect(catalog.listTracks({ upc: '012345678905' })!.map((t) => t.trackNumber)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(catalog.getTrack(isrcOf(249))).toMatchObject({ title: 'Piece 249', credits: [{ name: 'Åsa Berg', role: 'Composer' }], current: { version: 'v249' } });
  });

  it('leaves out only the track whose stored facts name a second label', async () => {
    for (let i = 0; i < 5; i += 1) await storeVersion(metaOf(i), `v${i}`);
    // Track 2 also has a version whose facts name another label on the same release.
    await storeVersion(metaOf(2, 'Someone Else Records'), 'v2-other');
    const report = await reindexCatalog({ store, catalog });
    expect(report).toMatchObject({ tracks: 4, conflicts: 1 });
    expect([0, 1, 3, 4].map((i) => catalog.getTrack(isrcOf(i))?.current?.version)).toEqual(['v0', 'v1', 'v3', 'v4']);
    expect(catalog.getTrack(isrcOf(2))).toBeNull();
  });

  it('brings back every id a release was ever published with, also when newer facts name it by its id alone', async () => {
    const grid = 'grid:A12425GABC1234002M';
    const onGrid = (meta: VersionMeta, aliases?: string[]): VersionMeta => ({ ...meta, release: { ...meta.release, upc: grid, ...(aliases ? { aliases } : {}) }, track: { ...meta.track, upc: grid } });
    await storeVersion(onGrid(metaOf(0)), 'v0');
    // A DDEX update learned its ICPN (a metadata revision), then a delivery by GRid alone came later.
    const prefix = versionPrefix(isrcOf(0), 'v0');
    await store.putBytes(`${prefix}${META_REVISIONS_DIR}20261202T090000000Z-aaaaaaaaaaaa.json`, Buffer.from(JSON.stringify(onGrid(metaOf(0), ['012345678905']))));
    await store.putBytes(`${prefix}${META_REVISIONS_DIR}20261203T090000000Z-bbbbbbbbbbbb.json`, Buffer.from(JSON.stringify(onGrid(metaOf(0)))));
    await reindexCatalog({ store, catalog });
    expect(catalog.getRelease(grid)?.aliases).toEqual(['012345678905']);
    expect(catalog.resolveRelease('012345678905')).toBe(grid);
  });
});
