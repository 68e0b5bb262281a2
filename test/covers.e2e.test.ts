// Cover art end to end through the real command line: a JSON delivery with a cover is ingested,
// its original stored content-addressed; an origin node following the journal from an empty
// catalog (so it knows only what storage holds) serves every size with the right type, size and
// caching, and carries the cover URL in track and search answers; `reindex` keeps the cover. A
// cover that is not an image, or too small, refuses the whole release with nothing published,
// and `--dry-run --json` reports the cover's problem with the others.

import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeCover } from '../fixtures/cover-images.ts';
import { deliveryJson, makeDelivery } from '../fixtures/deliveries.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { startNginxCdn } from './helpers/nginx-cdn.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';
import { NODE_SIGNING_KEYS, nodeEnv } from './helpers/node-env.ts';

const KEYS = NODE_SIGNING_KEYS;
const UPC = '012345678905';
let scratch: string;
let node: ServeProcess | undefined;
let coverSha = '';
let isrcs: string[] = [];

const envOf = (catalog: string): NodeJS.ProcessEnv => nodeEnv(scratch, catalog);

async function waitForTrack(url: string, isrc: string, withinMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const answer = await fetch(`${url}/v1/tracks/${isrc}`);
    if (answer.status === 200) return (await answer.json()) as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`${url} did not answer ${isrc} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-covers-'));
}, 60_000);
afterAll(async () => {
  await node?.stop('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('a delivery with a cover', () => {
  it('is ingested with its cover stored; a following node serves every size and names it in track and search answers', async () => {
    const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: 2, seconds: 3, series: 81 });
    isrcs = json.tracks.map((track) => track.isrc);
    const cover = await makeCover({ width: 1500, height: 1500 });
    coverSha = createHash('sha256').update(cover).digest('hex');
    await mkdir(join(scratch, 'delivery', 'art'));
    await writeFile(join(scratch, 'delivery', 'art', 'front.jpg'), cover);
    json.release.cover = 'art/front.jpg';
    await writeFile(file, JSON.stringify(json));

    // A node with an empty catalog of its own: everything it learns comes from storage.
    node = await startServe({ env: envOf('node.db'), args: ['--follow'] });
    const ingest = await runCadence(['ingest', file], { env: envOf('writer.db') });
    expect(ingest.code, ingest.stderr).toBe(0);
    const stored = await readdir(join(scratch, 'objects', 'releases', UPC, 'cover'));
    expect(stored).toEqual([`${coverSha}.jpg`]);

    const track = await waitForTrack(node.url, isrcs[0]!, 30_000);
    const coverUrl = `/v1/releases/${UPC}/cover?size=640&v=${coverSha.slice(0, 16)}`;
    expect(track.cover).toBe(coverUrl);

    for (const size of [160, 320, 640, 1280]) {
      const answer = await fetch(`${node.url}/v1/releases/${UPC}/cover?size=${size}&v=${coverSha.slice(0, 16)}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/jpeg');
      expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await answer.arrayBuffer());
      const etag = answer.headers.get('etag');
      expect(etag).toBe(`"${createHash('sha256').update(body).digest('hex')}"`);
      expect(await sharp(body).metadata()).toMatchObject({ format: 'jpeg', width: size, height: size });
      const revalidated = await fetch(`${node.url}/v1/releases/${UPC}/cover?size=${size}`, { headers: { 'If-None-Match': etag! } });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers.get('etag')).toBe(etag);
      expect(revalidated.headers.get('cache-control')).toMatch(/^public, max-age=300/);
    }
    expect((await fetch(`${node.url}/v1/releases/${UPC}/cover?size=500`)).status).toBe(400);
    expect((await fetch(`${node.url}/v1/releases/036000291452/cover`)).status).toBe(404);

    const search = (await (await fetch(`${node.url}/v1/search?q=movement`)).json()) as { results: Array<{ isrc: string; cover: string | null }> };
    expect(search.results.map((result) => [result.isrc, result.cover]).sort()).toEqual(isrcs.map((isrc) => [isrc, coverUrl]));
  }, 240_000);

  it('the nginx edge caches the cover the answers name: one origin fetch, then HITs', async () => {
    const cdn = await startNginxCdn({ origin: node!.url });
    try {
      const path = `/v1/releases/${UPC}/cover?size=320&v=${coverSha.slice(0, 16)}`;
      const direct = Buffer.from(await (await fetch(`${node!.url}${path}`)).arrayBuffer());
      const statuses: Array<string | null> = [];
      for (let i = 0; i < 3; i++) {
        const answer = await fetch(`${cdn.url}${path}`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
        expect(Buffer.from(await answer.arrayBuffer()).equals(direct)).toBe(true);
        statuses.push(answer.headers.get('x-cache-status'));
      }
      expect(statuses).toEqual(['MISS', 'HIT', 'HIT']);
    } finally {
      await cdn.stop();
    }
  }, 60_000);

  it('a re-run is skipped; a new cover re-encodes nothing, and every node serves it under a new URL', async () => {
    const file = join(scratch, 'delivery', 'delivery.json');
    const again = await runCadence(['ingest', file, '--json'], { env: envOf('writer.db') });
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { tracks: Array<{ state: string }> }).tracks.map((t) => t.state)).toEqual(['skipped', 'skipped']);

    const oldEtag = (await fetch(`${node!.url}/v1/releases/${UPC}/cover?size=320`)).headers.get('etag');
    const replaced = await makeCover({ width: 900, height: 900, format: 'png' });
    const replacedSha = createHash('sha256').update(replaced).digest('hex');
    await writeFile(join(scratch, 'delivery', 'art', 'front.jpg'), replaced);
    const corrected = await runCadence(['ingest', file, '--json'], { env: envOf('writer.db') });
    expect(corrected.code, corrected.stderr).toBe(0);
    const report = JSON.parse(corrected.stdout) as { tracks: Array<{ state: string; change?: string }> };
    // The same masters: only the facts changed, nothing was encoded.
    expect(report.tracks.map((t) => [t.state, t.change])).toEqual([['published', 'metadata'], ['published', 'metadata']]);
    expect((await readdir(join(scratch, 'objects', 'releases', UPC, 'cover'))).filter((name) => !name.includes('-')).sort()).toEqual([`${coverSha}.jpg`, `${replacedSha}.png`].sort());

    const deadline = Date.now() + 30_000;
    let track = await waitForTrack(node!.url, isrcs[0]!, 30_000);
    while (track.cover !== `/v1/releases/${UPC}/cover?size=640&v=${replacedSha.slice(0, 16)}` && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      track = await waitForTrack(node!.url, isrcs[0]!, 30_000);
    }
    expect(track.cover).toBe(`/v1/releases/${UPC}/cover?size=640&v=${replacedSha.slice(0, 16)}`);
    const fresh = await fetch(`${node!.url}/v1/releases/${UPC}/cover?size=320`, { headers: { 'If-None-Match': oldEtag! } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).not.toBe(oldEtag);
    coverSha = replacedSha;
  }, 240_000);

  it('reindex restores the cover from storage alone', async () => {
    await rm(join(scratch, 'writer.db'), { force: true });
    for (const suffix of ['-wal', '-shm']) await rm(join(scratch, `writer.db${suffix}`), { force: true });
    const reindex = await runCadence(['reindex'], { env: envOf('writer.db') });
    expect(reindex.code, reindex.stderr).toBe(0);
    const catalog = openCatalog(join(scratch, 'writer.db'), { readonly: true });
    try {
      // The newest facts: the replaced cover.
      expect(catalog.getRelease(UPC)?.cover).toEqual({ sha256: coverSha, extension: 'png' });
      expect(catalog.getTrack(isrcs[1]!)?.release.cover).toEqual({ sha256: coverSha, extension: 'png' });
    } finally {
      catalog.close();
    }
  }, 120_000);
});

describe('a bad cover refuses the release', () => {
  let master = '';
  beforeAll(async () => {
    master = join(scratch, 'good.wav');
    await makeMaster({ path: master, seconds: 2 });
  }, 60_000);

  let counter = 0;
  async function deliveryWithCover(cover: Buffer, edit: (json: ReturnType<typeof deliveryJson>) => void = () => {}): Promise<{ dir: string; file: string; env: NodeJS.ProcessEnv }> {
    const dir = join(scratch, `bad-${++counter}`);
    await mkdir(join(dir, 'masters'), { recursive: true });
    await mkdir(join(dir, 'art'));
    const json = deliveryJson({ tracks: 2, series: 82 });
    for (const track of json.tracks) await copyFile(master, join(dir, track.master));
    await writeFile(join(dir, 'art', 'front.jpg'), cover);
    json.release.cover = 'art/front.jpg';
    edit(json);
    const file = join(dir, 'delivery.json');
    await writeFile(file, JSON.stringify(json));
    return { dir, file, env: { CADENCE_STORE: `file://${join(dir, 'objects')}`, CADENCE_CATALOG: join(dir, 'catalog.db'), CADENCE_SIGNING_KEYS: KEYS } };
  }

  async function expectNothingPublished(dir: string): Promise<void> {
    expect(existsSync(join(dir, 'objects'))).toBe(false);
    if (existsSync(join(dir, 'catalog.db'))) {
      const catalog = openCatalog(join(dir, 'catalog.db'), { readonly: true });
      try {
        expect(catalog.getRelease(UPC)).toBeNull();
        expect(catalog.listCurrent()).toEqual([]);
      } finally {
        catalog.close();
      }
    }
  }

  it.each([
    ['a WAV renamed .jpg', async () => (await import('node:fs/promises')).readFile(join(scratch, 'good.wav')), /release\.cover: art\/front\.jpg: COVER_NOT_IMAGE: the cover is not a JPEG or PNG: it starts with bytes 52494646/],
    ['text renamed .jpg', async () => Buffer.from('not an image at all\n'), /release\.cover: art\/front\.jpg: COVER_NOT_IMAGE: /],
    ['a 500×500 JPEG', () => makeCover({ width: 500, height: 500 }), /release\.cover: art\/front\.jpg: COVER_TOO_SMALL: the cover is 500×500; it must be at least 640×640/],
  ])('%s: BAD_DELIVERY naming release.cover, nothing encoded or published', async (_, make, pattern) => {
    const { dir, file, env } = await deliveryWithCover(await make());
    const result = await runCadence(['ingest', file], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`BAD_DELIVERY: ${file}: 1 problem(s)`);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack
    await expectNothingPublished(dir);
  }, 60_000);

  it('--dry-run --json reports the cover problem with every other one', async () => {
    const { dir, file, env } = await deliveryWithCover(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), (json) => {
      json.release.upc = '012345678901';
      json.tracks[1]!.master = 'masters/missing.wav';
    });
    const result = await runCadence(['ingest', file, '--dry-run', '--json'], { env });
    expect(result.code).not.toBe(0);
    const answer = JSON.parse(result.stdout) as { ok: boolean; code: string; problems: Array<{ where: string; message: string }> };
    expect(answer).toMatchObject({ ok: false, code: 'BAD_DELIVERY' });
    expect(answer.problems).toEqual([
      { where: 'release.upc', message: '012345678901 has a wrong check digit' },
      { where: 'release.cover', message: 'art/front.jpg: COVER_NOT_IMAGE: the cover is not a JPEG or PNG: it starts like markup (HTML, SVG or XML)' },
      { where: 'tracks[1] (GBCAD8200002).master', message: 'masters/missing.wav: the file does not exist' },
    ]);
    await expectNothingPublished(dir);
  }, 60_000);
});
