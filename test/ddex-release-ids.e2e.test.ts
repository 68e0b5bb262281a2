// One release, whichever of its ids a DDEX message uses (issue 14: "a release without an ICPN is
// identified by its GRid or proprietary id"), through the real CLI, real ffmpeg and a `cadence
// serve` node following the publish journal with its own catalog. A release first delivered by its
// GRid alone, then updated with its ICPN + GRid, stays one release (its id `grid:…` kept): the
// update encodes nothing, the ICPN shows in the track answer and names the release for the cover,
// `cadence tracks --release` and `takedown|restore --upc`; an older message sent under the ICPN
// alone is recorded as stale against the same message log; the following node and a reindex from
// storage agree. A message whose ICPN is one release's and whose GRid is another's is refused.

import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { type ErnMessageSpec, sampleRelease } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { runCadence } from './helpers/cadence-cli.ts';
import { countingFfmpeg } from './helpers/counting-ffmpeg.ts';
import { type ServeProcess, startServe } from './helpers/serve-process.ts';

const GRID = 'A12425GABC1234002M';
const GRID_ID = `grid:${GRID}`;
const ICPN = '012345678905';
const OTHER_ICPN = '5012345678900';
const KEYS = 'node:shared-secret-0123456789abcdef';
let scratch: string;
let acks: string;
let node: ServeProcess | undefined;
let token: string;

const env = (catalog = 'writer.db'): NodeJS.ProcessEnv => ({
  CADENCE_STORE: `file://${join(scratch, 'objects')}`,
  CADENCE_CATALOG: join(scratch, catalog),
  CADENCE_SIGNING_KEYS: KEYS,
  CADENCE_JOURNAL_POLL_MS: '200',
  CADENCE_AUTH_LOCAL_KEY: join(scratch, 'auth-key.jwk'),
  CADENCE_RATE_LIMITS: 'off',
});

/** The two-track release, named by the ids given, with the first track's title as given. */
const duo = (messageId: string, createdAt: string, ids: { icpn?: string; grid?: string }, firstTitle = 'Movement 1'): ErnMessageSpec => {
  const made = sampleRelease({ family: '4.3', tracks: 2, series: 93, messageId, createdAt });
  made.release.icpn = ids.icpn;
  made.release.grid = ids.grid;
  made.tracks[0]!.title = firstTitle;
  for (const track of made.tracks) track.file = track.file.replace('.flac', '.wav');
  return made;
};
const [A, B] = duo('x', '2026-12-01T09:00:00Z', { grid: GRID }).tracks.map((t) => t.isrc) as [string, string];

async function deliver(name: string, message: ErnMessageSpec, extraEnv: NodeJS.ProcessEnv = {}) {
  const folder = join(scratch, 'incoming', name);
  await writeReleaseFolder(folder, message, { reuseMasters: true, messageFile: 'message.xml' });
  return runCadence(['ingest', folder, '--json', '--ack', acks], { env: { ...env(), ...extraEnv }, timeoutMs: 240_000 });
}

async function applied(name: string, message: ErnMessageSpec, extraEnv: NodeJS.ProcessEnv = {}): Promise<Record<string, any>> {
  const result = await deliver(name, message, extraEnv);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, any>;
}

const ack = async (id: string) => JSON.parse(await readFile(join(acks, `${id}.json`), 'utf8')) as Record<string, any>;

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(`${node!.url}${path}`, init);
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: type.includes('json') ? await response.json() : Buffer.from(await response.arrayBuffer()) };
}

/** Polls the following node until `probe` holds (it follows the journal every 200 ms). */
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`the following node did not ${what} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every object key under the store with its size: what a refused message must leave alone. */
async function storeListing(): Promise<string[]> {
  const root = join(scratch, 'objects');
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.push(`${relative(root, path)} ${(await stat(path)).size}`);
  }
  return out.sort();
}

/** What a catalog file says of the release: its record, found by the ICPN, and its tracks' titles. */
function releaseView(name: string): Record<string, unknown> {
  const catalog = openCatalog(join(scratch, name), { readonly: true });
  try {
    const id = catalog.resolveRelease(ICPN);
    return {
      id,
      byGrid: catalog.resolveRelease(GRID_ID),
      release: id === null ? null : catalog.getRelease(id),
      tracks: catalog.listTracks({ upc: ICPN })?.map((t) => [t.isrc, t.upc, t.title]) ?? null,
      other: catalog.resolveRelease(OTHER_ICPN),
    };
  } finally {
    catalog.close();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-release-ids-'));
  acks = join(scratch, 'acks');
});

afterAll(async () => {
  await node?.stop('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('one release, whichever of its ids a DDEX message uses', () => {
  it('a release delivered by its GRid alone ingests and plays', async () => {
    const first = await applied('by-grid', duo('GRID-1', '2026-12-01T09:00:00Z', { grid: GRID }));
    expect(first).toMatchObject({ status: 'applied', releaseId: GRID_ID, upc: null, published: 2, message: { appliedAs: 'new' } });

    node = await startServe({ env: env('follower.db'), args: ['--follow'] });
    token = (await runCadence(['token', '--listener', 'l1', '--tier', 'hifi', '--country', 'GB'], { env: env() })).stdout.trim();
    await eventually(async () => (await get(`/v1/tracks/${A}`)).status === 200, 'publish the release');
    expect((await get(`/v1/tracks/${A}`)).body).toMatchObject({ release: { id: GRID_ID, upc: null, grid: GRID } });
    expect((await get(`/v1/tracks/${A}/playback`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  }, 300_000);

  it('an update with its ICPN + GRid changes a title on the same release with no encode, and the ICPN names it everywhere', async () => {
    const { path: wrapper, calls } = await countingFfmpeg(scratch);
    const update = await applied('with-icpn', duo('GRID-2', '2026-12-02T09:00:00Z', { icpn: ICPN, grid: GRID }, 'Movement 1 (Remastered)'), { FFMPEG_PATH: wrapper });
    // The release keeps its id; the ICPN is now known for it.
    expect(update).toMatchObject({ status: 'applied', releaseId: GRID_ID, upc: ICPN, releaseAliases: [ICPN], message: { id: 'GRID-2', appliedAs: 'update' }, published: 2 });
    expect(await readFile(calls, 'utf8')).toBe(''); // nothing encoded or decoded
    expect(await ack('GRID-2')).toMatchObject({ status: 'applied', messageKind: 'update', releaseId: GRID_ID, upc: ICPN, releaseAliases: [ICPN] });

    // The following node: the new title, the release's id kept, its ICPN shown.
    await eventually(async () => (await get(`/v1/tracks/${A}`)).body.title === 'Movement 1 (Remastered)', 'apply the update');
    const answer = (await get(`/v1/tracks/${A}`)).body;
    expect(answer).toMatchObject({ release: { id: GRID_ID, upc: ICPN, grid: GRID }, cover: expect.stringContaining(`/v1/releases/${GRID_ID}/cover`) });
    const found = (await get(`/v1/search?q=${encodeURIComponent('Movement 1 Remastered')}`)).body.results;
    expect(found[0]).toMatchObject({ isrc: A, releaseId: GRID_ID, upc: ICPN });

    // The cover by its ICPN: one redirect to the URL under the release's id, which serves it.
    const byIcpn = await get(`/v1/releases/${ICPN}/cover?size=160`, { redirect: 'manual' });
    expect(byIcpn.status).toBe(308);
    expect(byIcpn.headers.get('location')).toBe(`/v1/releases/${GRID_ID}/cover?size=160`);
    const cover = await get(`/v1/releases/${ICPN}/cover?size=160`);
    expect(cover.status).toBe(200);
    expect(cover.headers.get('content-type')).toBe('image/jpeg');
    expect((await get(`/v1/releases/${OTHER_ICPN}/cover?size=160`)).status).toBe(404);

    // `cadence tracks --release <ICPN>` lists the release's tracks under its id.
    const listed = await runCadence(['tracks', '--release', ICPN, '--json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ release: GRID_ID });
    expect(JSON.parse(listed.stdout).tracks.map((t: { isrc: string; upc: string }) => [t.isrc, t.upc])).toEqual([[A, GRID_ID], [B, GRID_ID]]);
    const table = await runCadence(['tracks', '--release', ICPN], { env: env() });
    expect(table.stdout).toContain(`2 tracks on release ${GRID_ID} (named by ${ICPN})`);

    // `takedown --upc <ICPN>` and `restore --upc <ICPN>` reach the release's tracks on the node.
    const down = await runCadence(['takedown', '--upc', ICPN, '--reason', 'rights check', '--json'], { env: env() });
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ ok: true, isrcs: [A, B] });
    const auth = { headers: { authorization: `Bearer ${token}` } };
    await eventually(async () => (await get(`/v1/tracks/${B}/playback`, auth)).status !== 200, 'take the release down');
    const up = await runCadence(['restore', '--upc', ICPN, '--json'], { env: env() });
    expect(up.code, up.stderr).toBe(0);
    await eventually(async () => (await get(`/v1/tracks/${B}/playback`, auth)).status === 200, 'restore the release');
  }, 300_000);

  it('an older message sent under the ICPN alone is recorded as stale against the same release', async () => {
    // A dry run already says so, reading the catalog and the release's message log.
    const folder = join(scratch, 'incoming', 'icpn-only');
    await writeReleaseFolder(folder, duo('ICPN-0', '2026-12-01T12:00:00Z', { icpn: ICPN }, 'Movement 1 (Old Master)'), { reuseMasters: true, messageFile: 'message.xml' });
    const dry = await runCadence(['ingest', folder, '--dry-run', '--json'], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'valid', releaseId: GRID_ID, upc: ICPN, stale: true, newer: { messageId: 'GRID-2' }, message: { appliedAs: 'update' } });

    const older = await applied('icpn-only', duo('ICPN-0', '2026-12-01T12:00:00Z', { icpn: ICPN }, 'Movement 1 (Old Master)'));
    expect(older).toMatchObject({ status: 'stale', releaseId: GRID_ID, upc: ICPN, stale: true, newer: { messageId: 'GRID-2' } });
    expect(await ack('ICPN-0')).toMatchObject({ status: 'stale', releaseId: GRID_ID, newerMessage: { messageId: 'GRID-2' } });
    // Recorded in the release's one message log, under its id; nothing was applied.
    const log = await readdir(join(scratch, 'objects', 'ddex-messages'));
    expect(log).toEqual([GRID_ID]);
    expect((await get(`/v1/tracks/${A}`)).body.title).toBe('Movement 1 (Remastered)');
  }, 300_000);

  it('a message whose ICPN is one release\'s and whose GRid is another\'s is refused, naming both; nothing is published', async () => {
    // Another release, known by its ICPN alone.
    const other = sampleRelease({ family: '4.3', tracks: 1, series: 94, messageId: 'OTHER-1', createdAt: '2026-12-01T09:00:00Z' });
    other.release.icpn = OTHER_ICPN;
    other.release.grid = undefined;
    other.tracks[0]!.file = 'resources/001.wav';
    expect(await applied('other', other)).toMatchObject({ status: 'applied', releaseId: OTHER_ICPN });

    const before = await storeListing();
    const mixed = structuredClone(other);
    mixed.messageId = 'MIXED-1';
    mixed.createdAt = '2026-12-04T09:00:00Z';
    mixed.release.grid = GRID;
    mixed.tracks[0]!.title = 'Should Not Appear';
    const refused = await deliver('other', mixed);
    const dry = await runCadence(['ingest', join(scratch, 'incoming', 'other'), '--dry-run'], { env: env() });
    expect(dry.code).not.toBe(0);
    expect(dry.stderr).toContain('one message names two different releases');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^BAD_DELIVERY: .*message\.xml: 1 problem/);
    expect(refused.stderr).toContain(`ICPN ${OTHER_ICPN} (/NewReleaseMessage/ReleaseList/Release/ReleaseId/ICPN) is release ${OTHER_ICPN}, but GRid ${GRID} (/NewReleaseMessage/ReleaseList/Release/ReleaseId/GRid) is release ${GRID_ID}`);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const acked = await ack('MIXED-1');
    expect(acked).toMatchObject({ status: 'refused', problems: [{ code: 'RELEASE_ID_CONFLICT', location: expect.stringContaining('/ReleaseId/GRid') }] });
    expect(acked.problems[0].message).toContain(`is release ${OTHER_ICPN}`);
    expect(acked.problems[0].message).toContain(`is release ${GRID_ID}`);
    // Nothing stored, nothing published: no object, no record in either message log, no new title.
    expect(await storeListing()).toEqual(before);
    expect(releaseView('writer.db')).toMatchObject({ other: OTHER_ICPN, byGrid: GRID_ID });
    expect((await get(`/v1/tracks/${other.tracks[0]!.isrc}`)).body.title).not.toBe('Should Not Appear');
  }, 300_000);

  it('the following node and a reindex from storage reach the same catalog', async () => {
    const writer = releaseView('writer.db');
    expect(writer).toMatchObject({
      id: GRID_ID,
      byGrid: GRID_ID,
      release: { upc: GRID_ID, aliases: [ICPN] },
      tracks: [[A, GRID_ID, 'Movement 1 (Remastered)'], [B, GRID_ID, 'Movement 2']],
      other: OTHER_ICPN,
    });
    await eventually(async () => (await get(`/v1/tracks/${sampleRelease({ family: '4.3', tracks: 1, series: 94 }).tracks[0]!.isrc}`)).status === 200, 'publish the other release');
    expect(releaseView('follower.db')).toEqual(writer);
    const result = await runCadence(['reindex'], { env: env('rebuilt.db') });
    expect(result.code, result.stderr).toBe(0);
    expect(releaseView('rebuilt.db')).toEqual(writer);
  }, 300_000);
});
