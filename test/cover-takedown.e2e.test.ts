// A release's cover follows its takedown, end to end: `cadence serve` on the catalog the commands
// run against, the real nginx edge of cdn/ in front of it, and a `serve --follow` node with a
// catalog of its own. The edge caches the cover (MISS → HIT); a takedown of one track keeps it;
// `cadence takedown --upc` makes both origins answer 410 `release_taken_down` within seconds, and
// with the purge hook (cdn/purge-nginx-cache.sh, told the cover path in CADENCE_PURGE_PATHS) the
// edge too, where without it the cached image goes on being served; `cadence restore` brings the
// cover back everywhere. A DDEX PurgeReleaseMessage does the same through `cadence ingest`.

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCover } from '../fixtures/cover-images.ts';
import { ernMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { REPO_ROOT, runCadence } from './helpers/cadence-cli.ts';
import { type NginxCdn, startNginxCdn } from './helpers/nginx-cdn.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';
import { NODE_SIGNING_KEYS, nodeEnv } from './helpers/node-env.ts';

const KEYS = NODE_SIGNING_KEYS;
const UPC = '012345678905';
const BOUND_MS = 5000;
let scratch: string;
let origin: ServeProcess | undefined;
let follower: ServeProcess | undefined;
let cdn: NginxCdn | undefined;
let isrcs: string[] = [];
let versioned = '';
const plain = `/v1/releases/${UPC}/cover?size=320`;

const envOf = (catalog: string): NodeJS.ProcessEnv => nodeEnv(scratch, catalog);
/** The commands run against the catalog the origin behind the edge serves. */
const writer = () => envOf('writer.db');
const withPurge = () => ({ ...writer(), CADENCE_CDN_PURGE_COMMAND: `${join(REPO_ROOT, 'cdn/purge-nginx-cache.sh')} ${cdn!.cacheDir}` });

async function cadence(args: string[], env = writer()) {
  const result = await runCadence(args, { env });
  expect(result.code, `cadence ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return { ...result, finishedAt: performance.now() };
}

interface Answer {
  status: number;
  cache: string | null;
  cacheControl: string | null;
  type: string | null;
  body: Buffer;
}

async function get(base: string, path: string): Promise<Answer> {
  const response = await fetch(`${base}${path}`);
  const h = response.headers;
  return { status: response.status, cache: h.get('x-cache-status'), cacheControl: h.get('cache-control'), type: h.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

/** Milliseconds from `since` until `base` answers `status` at `path` (fails after `withinMs`). */
async function until(base: string, path: string, status: number, since: number, withinMs = BOUND_MS): Promise<number> {
  for (;;) {
    if ((await get(base, path)).status === status) return performance.now() - since;
    if (performance.now() - since > withinMs) throw new Error(`${base}${path} did not answer ${status} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-cover-takedown-'));
  const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: 2, seconds: 3, series: 83 });
  isrcs = json.tracks.map((track) => track.isrc);
  const cover = await makeCover({ width: 1000, height: 1000 });
  await mkdir(join(scratch, 'delivery', 'art'));
  await writeFile(join(scratch, 'delivery', 'art', 'front.jpg'), cover);
  json.release.cover = 'art/front.jpg';
  await writeFile(file, JSON.stringify(json));
  await cadence(['ingest', file]);
  versioned = `/v1/releases/${UPC}/cover?size=640&v=${createHash('sha256').update(cover).digest('hex').slice(0, 16)}`;

  [origin, follower] = await Promise.all([startServe({ env: writer() }), startServe({ env: envOf('follower.db'), args: ['--follow'] })]);
  cdn = await startNginxCdn({ origin: origin.url });
  // The follower has read the journal when it knows the tracks.
  await until(follower.url, `/v1/tracks/${isrcs[1]}`, 200, performance.now(), 30_000);
}, 240_000);
afterAll(async () => {
  await cdn?.stop();
  await Promise.all([origin?.stop('SIGKILL'), follower?.stop('SIGKILL')]);
  await rm(scratch, { recursive: true, force: true });
});

describe('the cover of a taken-down release', () => {
  it('is cached by the edge and stays while one track of the release is available', async () => {
    const track = (await (await fetch(`${origin!.url}/v1/tracks/${isrcs[0]}`)).json()) as { cover: string };
    expect(track.cover).toBe(versioned);
    for (const path of [versioned, plain]) {
      const first = await get(cdn!.url, path);
      expect([first.status, first.type, first.cache], path).toEqual([200, 'image/jpeg', 'MISS']);
      const second = await get(cdn!.url, path);
      expect([second.status, second.cache], path).toEqual([200, 'HIT']);
      expect(second.body.equals(first.body)).toBe(true);
    }

    // One track down, with the purge hook: the release still plays, so its cover is not purged.
    const one = await cadence(['takedown', '--isrc', isrcs[0]!, '--json'], withPurge());
    expect(JSON.parse(one.stdout)).toEqual({ ok: true, action: 'takedown', isrcs: [isrcs[0]], purged: true, covers: [] });
    expect((await get(cdn!.url, versioned)).cache).toBe('HIT');
    for (const node of [origin!, follower!]) expect((await get(node.url, versioned)).status, node.url).toBe(200);
  }, 60_000);

  it('is a 410 on both origins within seconds of `takedown --upc`, while the edge keeps serving its copy without the purge', async () => {
    const takedown = await cadence(['takedown', '--upc', UPC, '--reason', 'label pulled the release']);
    expect(takedown.stdout).toBe(`taken down: ${[...isrcs].sort().join(', ')}\n`);
    const [atOrigin, atFollower] = await Promise.all([origin!, follower!].map((node) => until(node.url, versioned, 410, takedown.finishedAt)));
    console.info(`cover 410 after takedown --upc returned: origin ${Math.round(atOrigin!)} ms, following node ${Math.round(atFollower!)} ms`);
    for (const node of [origin!, follower!]) {
      const gone = await get(node.url, versioned);
      expect(gone.cacheControl).toBe('public, max-age=60');
      expect(JSON.parse(gone.body.toString())).toMatchObject({ error: 'release_taken_down', message: `release ${UPC} was taken down: label pulled the release`, source: 'operator' });
    }
    // Nothing told the edge: its cached image is still served (what the purge hook is for).
    const stale = await get(cdn!.url, versioned);
    expect([stale.status, stale.cache, stale.type]).toEqual([200, 'HIT', 'image/jpeg']);
  }, 60_000);

  it('with the purge hook the edge answers 410 too (every size and version), and restore brings the cover back everywhere', async () => {
    const takedown = await cadence(['takedown', '--upc', UPC, '--reason', 'label pulled the release', '--json'], withPurge());
    expect(JSON.parse(takedown.stdout)).toEqual({ ok: true, action: 'takedown', isrcs: [...isrcs].sort(), purged: true, covers: [`/v1/releases/${UPC}/cover`] });
    for (const path of [versioned, plain]) {
      const gone = await get(cdn!.url, path);
      expect([gone.status, gone.cache], path).toEqual([410, 'MISS']);
      expect(JSON.parse(gone.body.toString())).toMatchObject({ error: 'release_taken_down' });
      // A 410 is never stored: the next request asks the origin again.
      expect((await get(cdn!.url, path)).cache, path).toBe('MISS');
    }

    const restore = await cadence(['restore', '--upc', UPC]);
    const back = await Promise.all([origin!, follower!, cdn!].map((node) => until(node.url, versioned, 200, restore.finishedAt)));
    console.info(`cover back after restore returned: origin ${Math.round(back[0]!)} ms, following node ${Math.round(back[1]!)} ms, edge ${Math.round(back[2]!)} ms`);
    const refilled = await get(cdn!.url, versioned);
    expect([refilled.status, refilled.type, refilled.cache]).toEqual([200, 'image/jpeg', 'HIT']);
  }, 60_000);

  it('a DDEX PurgeReleaseMessage takes the cover down on both origins, and its ingest purges the edge through the hook', async () => {
    const release = sampleRelease({ family: '4.3', tracks: 1, series: 89, messageId: 'COVER-1', createdAt: '2026-12-01T09:00:00Z' });
    release.release.icpn = '4006381333931';
    release.release.grid = undefined;
    await writeReleaseFolder(join(scratch, 'ddex', 'release'), release, { seconds: 1 });
    const ingested = await cadence(['ingest', join(scratch, 'ddex', 'release'), '--json']);
    expect(JSON.parse(ingested.stdout)).toMatchObject({ status: 'applied', published: 1 });
    const isrc = release.tracks[0]!.isrc;
    await until(follower!.url, `/v1/tracks/${isrc}`, 200, performance.now());
    const cover = ((await (await fetch(`${origin!.url}/v1/tracks/${isrc}`)).json()) as { cover: string }).cover;
    expect(cover).toMatch(/^\/v1\/releases\/4006381333931\/cover\?size=640&v=[0-9a-f]{16}$/);
    await get(cdn!.url, cover);
    expect((await get(cdn!.url, cover)).cache).toBe('HIT');

    // A folder holding only the purge message, ingested with the hook configured.
    await mkdir(join(scratch, 'ddex', 'purge'), { recursive: true });
    await writeFile(join(scratch, 'ddex', 'purge', 'purge.xml'), ernMessage({ ...structuredClone(release), kind: 'purge', messageId: 'COVER-2', createdAt: '2026-12-02T09:00:00Z' }));
    const purge = await cadence(['ingest', join(scratch, 'ddex', 'purge'), '--json'], withPurge());
    expect(JSON.parse(purge.stdout)).toMatchObject({ status: 'applied', takenDown: [isrc], cdnPurge: { isrcs: [isrc], covers: ['/v1/releases/4006381333931/cover'] } });
    const gone = await get(cdn!.url, cover);
    expect([gone.status, gone.cache]).toEqual([410, 'MISS']);
    expect(JSON.parse(gone.body.toString())).toMatchObject({ error: 'release_taken_down', source: 'ddex', messageId: 'COVER-2' });
    // The follower had the takedown from the journal before the hook ran (the purge waits for it).
    expect((await get(follower!.url, cover)).status).toBe(410);
  }, 120_000);
});
