// Ownership of recordings through the real `cadence ingest`: one recording on a single and on the
// album of its label (one version, two releases, each with its own track number), another label's
// delivery of the same ISRC refused with CONFLICT, a new master from the owner replacing the audio
// everywhere, two ingests racing with different masters, and reindex restoring all of it.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { DeliveryJson } from '../fixtures/deliveries.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { publishedProblems, storedVersions } from './helpers/published-check.ts';

const LABEL = 'Northern Lights Records';
const SHARED_ISRC = 'GBOWN2600001';
const SINGLE_UPC = '012345678905';
const ALBUM_UPC = '012345678912';
let scratch: string;

function envFor(name: string): NodeJS.ProcessEnv {
  return { CADENCE_STORE: `file://${join(scratch, name, 'objects')}`, CADENCE_CATALOG: join(scratch, name, 'catalog.db') };
}

function release(upc: string, title: string, label = LABEL): Pick<DeliveryJson, 'label' | 'release'> {
  return { label, release: { upc, title, artists: ['Ilse Varga'], releaseDate: '2026-11-01', genre: 'Classical', territories: ['WW'] } };
}

/** A delivery folder whose masters are generated from `seeds` (same seed, same master bytes). */
async function writeDelivery(name: string, head: Pick<DeliveryJson, 'label' | 'release'>, tracks: Array<{ isrc: string; trackNumber: number; seed: number; title?: string }>, seconds = 3): Promise<string> {
  const dir = join(scratch, 'deliveries', name);
  await mkdir(join(dir, 'masters'), { recursive: true });
  await Promise.all(tracks.map((track) => makeMaster({ path: join(dir, 'masters', `${track.seed}.wav`), seconds, seed: track.seed })));
  const json: DeliveryJson = {
    ...head,
    tracks: tracks.map((track) => ({ isrc: track.isrc, title: track.title ?? `Track ${track.trackNumber}`, artists: ['Ilse Varga'], trackNumber: track.trackNumber, master: `masters/${track.seed}.wav` })),
  };
  const file = join(dir, 'delivery.json');
  await writeFile(file, JSON.stringify(json));
  return file;
}

async function inspect<T>(name: string, read: (catalog: ReturnType<typeof openCatalog>, store: ReturnType<typeof openObjectStore>) => Promise<T> | T): Promise<T> {
  const env = envFor(name);
  const catalog = openCatalog(env.CADENCE_CATALOG!);
  try {
    return await read(catalog, openObjectStore(env.CADENCE_STORE!, {}));
  } finally {
    catalog.close();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ownership-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('ownership of recordings', () => {
  it('one recording on the single and the album: one version, both releases, own track numbers; reindex keeps both', async () => {
    const env = envFor('shared');
    const single = await writeDelivery('single', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 1, title: 'Prelude' }]);
    const album = await writeDelivery('album', release(ALBUM_UPC, 'Aurora'), [
      { isrc: 'GBOWN2600002', trackNumber: 1, seed: 2 },
      { isrc: 'GBOWN2600003', trackNumber: 2, seed: 3 },
      { isrc: SHARED_ISRC, trackNumber: 3, seed: 1, title: 'Prelude' },
    ]);
    expect((await runCadence(['ingest', single], { env })).code).toBe(0);
    const albumRun = await runCadence(['ingest', album, '--json'], { env });
    expect(albumRun.code, albumRun.stderr).toBe(0);
    const report = JSON.parse(albumRun.stdout);
    expect(report.tracks.find((t: { isrc: string }) => t.isrc === SHARED_ISRC)).toMatchObject({ state: 'published', change: 'added-to-release' });

    const expectBothReleases = () =>
      inspect('shared', async (catalog, store) => {
        const track = catalog.getTrack(SHARED_ISRC)!;
        expect(track.release.upc).toBe(SINGLE_UPC);
        expect(track.releases).toEqual([
          { upc: SINGLE_UPC, title: 'Prelude (Single)', trackNumber: 1, discNumber: 1 },
          { upc: ALBUM_UPC, title: 'Aurora', trackNumber: 3, discNumber: 1 },
        ]);
        expect((await storedVersions(store)).size).toBe(3);
        expect(await publishedProblems(catalog, store)).toEqual([]);
      });
    await expectBothReleases();

    // Re-running either delivery changes nothing.
    const again = JSON.parse((await runCadence(['ingest', album, '--json'], { env })).stdout);
    expect(again).toMatchObject({ published: 0, skipped: 3 });
    expect(JSON.parse((await runCadence(['ingest', single, '--json'], { env })).stdout)).toMatchObject({ published: 0, skipped: 1 });

    for (const suffix of ['', '-wal', '-shm']) await rm(`${env.CADENCE_CATALOG}${suffix}`, { force: true });
    const reindex = await runCadence(['reindex'], { env });
    expect(reindex.code, reindex.stderr).toBe(0);
    await expectBothReleases();
  }, 240_000);

  it("another label's delivery of a published ISRC is refused with CONFLICT naming the owner; nothing changes", async () => {
    const env = envFor('hijack');
    const original = await writeDelivery('original', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 1, title: 'Prelude' }]);
    const hijack = await writeDelivery('hijack', release('4006381333931', 'Totally Original', 'Pirate Tunes'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 9, title: 'Not Prelude' }]);
    expect((await runCadence(['ingest', original], { env })).code).toBe(0);
    const before = await inspect('hijack', async (catalog, store) => ({ track: catalog.getTrack(SHARED_ISRC), versions: await storedVersions(store) }));

    const refused = await runCadence(['ingest', hijack], { env });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/CONFLICT: GBOWN2600001 belongs to label "Northern Lights Records" \(release 012345678905 "Prelude \(Single\)"\)/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    await inspect('hijack', async (catalog, store) => {
      expect(catalog.getTrack(SHARED_ISRC)).toEqual(before.track);
      expect(catalog.getRelease('4006381333931')).toBeNull();
      // Refused before any encoding: no version of the other master was stored.
      expect(await storedVersions(store)).toEqual(before.versions);
    });
  }, 240_000);

  it("a new master from the owner replaces the audio as a new version, and the summary says so", async () => {
    const env = envFor('remaster');
    const first = await writeDelivery('first', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 1, title: 'Prelude' }]);
    const remaster = await writeDelivery('remaster', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 7, title: 'Prelude' }]);
    expect((await runCadence(['ingest', first], { env })).code).toBe(0);
    const oldVersion = await inspect('remaster', (catalog) => catalog.currentVersion(SHARED_ISRC));
    const result = await runCadence(['ingest', remaster], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${SHARED_ISRC} "Prelude": new master, replaces version ${oldVersion}`);
    await inspect('remaster', (catalog) => {
      expect(catalog.currentVersion(SHARED_ISRC)).not.toBe(oldVersion);
      expect(catalog.currentVersion(SHARED_ISRC)).not.toBeNull();
    });
  }, 240_000);

  it('two ingests racing on one ISRC with different masters: one wins, the other reports CONFLICT', async () => {
    const env = envFor('race');
    // Long enough to encode that both have looked at the catalog before either publishes.
    const a = await writeDelivery('race-a', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 11, title: 'Prelude' }], 20);
    const b = await writeDelivery('race-b', release(SINGLE_UPC, 'Prelude (Single)'), [{ isrc: SHARED_ISRC, trackNumber: 1, seed: 12, title: 'Prelude' }], 20);
    const [first, second] = await Promise.all([runCadence(['ingest', a, '--json'], { env }), runCadence(['ingest', b, '--json'], { env })]);
    const reports = [JSON.parse(first.stdout), JSON.parse(second.stdout)];
    const winners = reports.filter((report) => report.published === 1);
    const losers = reports.filter((report) => report.failed === 1);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0].tracks[0].error).toMatch(/^CONFLICT: GBOWN2600001: another delivery published a different master/);
    await inspect('race', async (catalog, store) => {
      expect(catalog.currentVersion(SHARED_ISRC)).toBe(winners[0].tracks[0].version);
      expect(await publishedProblems(catalog, store)).toEqual([]);
    });
  }, 240_000);
});
