// `cadence ingest` on the embedded defaults (folder storage, SQLite): publishes every track,
// re-runs do no work, corrected facts are republished without encoding, concurrent runs agree,
// and the catalog can be rebuilt from storage alone.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery, type DeliveryJson } from '../fixtures/deliveries.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { publishedProblems, storedVersions } from './helpers/published-check.ts';

let scratch: string;
let delivery: { file: string; json: DeliveryJson };

function envFor(name: string): NodeJS.ProcessEnv {
  return { CADENCE_STORE: `file://${join(scratch, name, 'objects')}`, CADENCE_CATALOG: join(scratch, name, 'catalog.db') };
}

/** Removes the catalog file and its WAL companions, as an operator would before `reindex`. */
async function deleteCatalog(env: NodeJS.ProcessEnv): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) await rm(`${env.CADENCE_CATALOG}${suffix}`, { force: true });
}

function inspect<T>(name: string, read: (catalog: ReturnType<typeof openCatalog>, store: ReturnType<typeof openObjectStore>) => Promise<T>): Promise<T> {
  const env = envFor(name);
  const catalog = openCatalog(env.CADENCE_CATALOG!);
  const store = openObjectStore(env.CADENCE_STORE!, {});
  return read(catalog, store).finally(() => catalog.close());
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ingest-e2e-'));
  delivery = await makeDelivery(join(scratch, 'delivery'), { tracks: 3, seconds: 4 });
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('cadence ingest', () => {
  it('publishes every track, prints a summary, and --json reports each track', async () => {
    const result = await runCadence(['ingest', delivery.file, '--json'], { env: envFor('basic') });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: true, published: 3, skipped: 0, failed: 0 });
    expect(report.tracks.map((t: { isrc: string }) => t.isrc)).toEqual(delivery.json.tracks.map((t) => t.isrc));
    // Plain progress lines on stderr (not a terminal here).
    expect(result.stderr).toMatch(/GBCAD2600001 published \(version [0-9a-f]{20}/);

    await inspect('basic', async (catalog, store) => {
      expect(await publishedProblems(catalog, store)).toEqual([]);
      const track = catalog.getTrack(delivery.json.tracks[1]!.isrc)!;
      expect(track).toMatchObject({ title: 'Movement 2', artists: ['Ilse Varga'], trackNumber: 2 });
      expect(track.release).toMatchObject({ upc: '012345678905', label: 'Northern Lights Records', territories: ['WW'] });
      expect(track.current!.renditions.map((r) => r.id)).toEqual(['aac-96', 'aac-160', 'aac-320', 'flac']);
      expect(track.current!.durationSeconds).toBeCloseTo(4, 3);
      expect((await storedVersions(store)).size).toBe(3);
    });
  }, 120_000);

  it('does no work on a re-run: every track skipped, no object written', async () => {
    const before = await inspect('basic', async (_catalog, store) => {
      const objects = [];
      for await (const object of store.list('')) objects.push(`${object.key}@${object.lastModified.getTime()}`);
      return objects;
    });
    const result = await runCadence(['ingest', delivery.file, '--json'], { env: envFor('basic') });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ published: 0, skipped: 3, failed: 0 });
    const after = await inspect('basic', async (_catalog, store) => {
      const objects = [];
      for await (const object of store.list('')) objects.push(`${object.key}@${object.lastModified.getTime()}`);
      return objects;
    });
    expect(after).toEqual(before);
  }, 60_000);

  it('restores every published track with reindex after the catalog file is deleted', async () => {
    const env = envFor('basic');
    const before = await inspect('basic', async (catalog) => catalog.listCurrent().sort((a, b) => a.isrc.localeCompare(b.isrc)));
    await deleteCatalog(env);
    const result = await runCadence(['reindex', '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tracks: 3 });
    await inspect('basic', async (catalog, store) => {
      expect(catalog.listCurrent().sort((a, b) => a.isrc.localeCompare(b.isrc))).toEqual(before);
      expect(catalog.getTrack(delivery.json.tracks[0]!.isrc)).toMatchObject({ title: 'Movement 1' });
      expect(await publishedProblems(catalog, store)).toEqual([]);
    });
  }, 60_000);

  it('republishes corrected facts of the same master without encoding again, and reindex keeps them', async () => {
    const env = envFor('basic');
    const corrected: DeliveryJson = structuredClone(delivery.json);
    corrected.release.genre = 'Orchestral';
    corrected.tracks[1]!.title = 'Movement II';
    const file = join(dirname(delivery.file), 'corrected.json');
    await writeFile(file, JSON.stringify(corrected));
    const mediaObjects = () =>
      inspect('basic', async (_catalog, store) => {
        const objects = [];
        for await (const object of store.list('tracks/')) if (!object.key.includes('/meta/')) objects.push(`${object.key}@${object.lastModified.getTime()}`);
        return objects;
      });
    const before = await mediaObjects();

    const result = await runCadence(['ingest', file, '--json'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ published: 3, skipped: 0, failed: 0 });
    // Only metadata revisions (and their journal entries) were added: the media, the description
    // and meta.json are untouched.
    expect(await mediaObjects()).toEqual(before);
    const again = await runCadence(['ingest', file, '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ published: 0, skipped: 3, failed: 0 });

    const isrc = corrected.tracks[1]!.isrc;
    const check = () =>
      inspect('basic', async (catalog, store) => {
        expect(catalog.getTrack(isrc)).toMatchObject({ title: 'Movement II', release: { genre: 'Orchestral' } });
        expect(catalog.search({ q: 'movement ii' })[0]).toMatchObject({ isrc, title: 'Movement II' });
        expect(await publishedProblems(catalog, store)).toEqual([]);
      });
    await check();
    await deleteCatalog(env);
    expect((await runCadence(['reindex', '--json'], { env })).code).toBe(0);
    await check();
  }, 90_000);

  it('ends with one version per track and no duplicate rows when two ingests run at once', async () => {
    const env = envFor('twice');
    const [first, second] = await Promise.all([
      runCadence(['ingest', delivery.file, '--json', '--concurrency', '1'], { env }),
      runCadence(['ingest', delivery.file, '--json', '--concurrency', '1'], { env }),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    await inspect('twice', async (catalog, store) => {
      expect(catalog.listCurrent()).toHaveLength(3);
      expect(await storedVersions(store)).toHaveProperty('size', 3);
      expect(await publishedProblems(catalog, store)).toEqual([]);
      for (const { isrc } of catalog.listCurrent()) {
        expect(catalog.getTrack(isrc)!.current!.renditions).toHaveLength(4);
      }
    });
    const db = new Database(env.CADENCE_CATALOG!, { readonly: true });
    const count = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect({ labels: count('labels'), releases: count('releases'), tracks: count('tracks'), versions: count('versions'), renditions: count('renditions') })
      .toEqual({ labels: 1, releases: 1, tracks: 3, versions: 3, renditions: 12 });
    db.close();
  }, 180_000);

  it('stops after validation with --dry-run', async () => {
    const env = envFor('dry');
    const result = await runCadence(['ingest', delivery.file, '--dry-run'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/dry run: .* is valid/);
    await inspect('dry', async (catalog, store) => {
      expect(catalog.listCurrent()).toEqual([]);
      expect((await storedVersions(store)).size).toBe(0);
    });
  });
});
