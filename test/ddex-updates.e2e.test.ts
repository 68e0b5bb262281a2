// DDEX updates by message, through the real CLI, real ffmpeg and a `cadence serve` node that
// follows the publish journal with its own catalog: a NewReleaseMessage for a known release is
// applied (and acknowledged) as an update; a 3-track release updated to 2 tracks loses the dropped
// track on every node (metadata, search, grant, `cadence tracks --release`) and after a reindex,
// with no ffmpeg run; listing it again brings it back; a dry run says when a message would be stale.

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

const UPC = '012345678905';
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

const trio = (messageId: string, createdAt: string, tracks = 3): ErnMessageSpec => {
  const made = sampleRelease({ family: '4.3', tracks: 3, series: 91, messageId, createdAt });
  made.release.icpn = UPC;
  made.release.grid = undefined;
  made.tracks = made.tracks.slice(0, tracks);
  for (const track of made.tracks) track.file = track.file.replace('.flac', '.wav');
  return made;
};
const [A, B, C] = trio('x', '2026-12-01T09:00:00Z').tracks.map((t) => t.isrc) as [string, string, string];
const folder = () => join(scratch, 'incoming', UPC);

async function deliver(message: ErnMessageSpec, extraEnv: NodeJS.ProcessEnv = {}, ...args: string[]) {
  await writeReleaseFolder(folder(), message, { reuseMasters: true, messageFile: 'message.xml' });
  const result = await runCadence(['ingest', folder(), '--json', '--ack', acks, ...args], { env: { ...env(), ...extraEnv }, timeoutMs: 240_000 });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Record<string, any>;
}

const ack = async (id: string) => JSON.parse(await readFile(join(acks, `${id}.json`), 'utf8')) as Record<string, any>;

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${node!.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Polls the following node until `probe` holds (it follows the journal every 200 ms). */
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`the following node did not ${what} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function searchIsrcs(q: string): Promise<string[]> {
  return (await get(`/v1/search?q=${encodeURIComponent(q)}`)).body.results.map((r: { isrc: string }) => r.isrc);
}

/** Every object key under the store, with its size and mtime: what a dry run must leave alone. */
async function storeListing(): Promise<string[]> {
  const root = join(scratch, 'objects');
  const out: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out.push(`${relative(root, path)} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

async function reindexed(name: string): Promise<{ onRelease: string[]; releasesOfC: string[]; takedownOfC: string | null }> {
  const result = await runCadence(['reindex'], { env: env(name) });
  expect(result.code, result.stderr).toBe(0);
  const catalog = openCatalog(join(scratch, name), { readonly: true });
  try {
    return {
      onRelease: catalog.listTracks({ upc: UPC })!.map((t) => t.isrc),
      releasesOfC: catalog.getTrack(C)!.releases.map((r) => r.upc),
      takedownOfC: catalog.availability(C)?.takedown?.reason ?? null,
    };
  } finally {
    catalog.close();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-updates-'));
  acks = join(scratch, 'acks');
});

afterAll(async () => {
  await node?.stop('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
});

describe('DDEX updates by message', () => {
  it('applies a NewReleaseMessage for a known release as an update, and a 3-track release updated to 2 loses the dropped track everywhere', async () => {
    const first = await deliver(trio('TRIO-1', '2026-12-01T09:00:00Z'));
    expect(first).toMatchObject({ status: 'applied', published: 3, message: { kind: 'new', appliedAs: 'new' } });
    expect(await ack('TRIO-1')).toMatchObject({ messageKind: 'new', declaredKind: 'new' });

    node = await startServe({ env: env('follower.db'), args: ['--follow'] });
    token = (await runCadence(['token', '--listener', 'l1', '--tier', 'hifi', '--country', 'GB'], { env: env() })).stdout.trim();
    const auth = { authorization: `Bearer ${token}` };
    await eventually(async () => (await get(`/v1/tracks/${C}`)).status === 200, 'publish the release');
    expect((await get(`/v1/tracks/${C}/playback`, auth)).status).toBe(200);
    expect(await searchIsrcs('Movement 3')).toContain(C);

    // TRIO-2 is a NewReleaseMessage (ERN 4 has no UpdateIndicator) listing two of the three tracks.
    const { path: wrapper, calls } = await countingFfmpeg(scratch);
    const update = await deliver(trio('TRIO-2', '2026-12-02T09:00:00Z', 2), { FFMPEG_PATH: wrapper });
    expect(update).toMatchObject({ status: 'applied', message: { id: 'TRIO-2', kind: 'new', appliedAs: 'update' }, dropped: [C], onNoRelease: [C], takenDown: [C] });
    expect(await readFile(calls, 'utf8')).toBe(''); // nothing encoded or decoded
    expect(await ack('TRIO-2')).toMatchObject({ status: 'applied', messageKind: 'update', declaredKind: 'new', dropped: [C], onNoRelease: [C] });

    // The writer's catalog: `cadence tracks --release` lists two.
    const listed = await runCadence(['tracks', '--release', UPC, '--json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(listed.stdout))).not.toContain(C);
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain(B);

    // The following node agrees: gone from metadata, grants and search; the others stay.
    await eventually(async () => (await get(`/v1/tracks/${C}`)).status === 410, 'drop the track');
    expect((await get(`/v1/tracks/${C}`)).body).toMatchObject({ error: 'not_on_any_release', message: expect.stringContaining(`dropped from release ${UPC} (now on no release) in DDEX message TRIO-2`) });
    expect((await get(`/v1/tracks/${C}/playback`, auth)).status).toBe(410);
    expect(await searchIsrcs('Movement 3')).not.toContain(C);
    expect((await get(`/v1/tracks/${A}`)).body).toMatchObject({ release: { upc: UPC }, trackNumber: 1 });
    expect((await get(`/v1/tracks/${B}/playback`, auth)).status).toBe(200);
    const follower = openCatalog(join(scratch, 'follower.db'), { readonly: true });
    try {
      expect(follower.listTracks({ upc: UPC })!.map((t) => t.isrc)).toEqual([A, B]);
    } finally {
      follower.close();
    }

    // Storage alone gives the same track list.
    expect(await reindexed('rebuilt-1.db')).toEqual({ onRelease: [A, B], releasesOfC: [], takedownOfC: expect.stringContaining('TRIO-2') });
  }, 300_000);

  it('a dry run says a message would be stale, and writes nothing', async () => {
    const older = join(scratch, 'older');
    await writeReleaseFolder(older, trio('TRIO-1b', '2026-12-01T12:00:00Z'), { reuseMasters: false, messageFile: 'message.xml' });
    const before = await storeListing();
    const dry = await runCadence(['ingest', older, '--dry-run', '--json'], { env: env() });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, status: 'valid', stale: true, newer: { messageId: 'TRIO-2', createdAt: '2026-12-02T09:00:00.000Z' }, message: { appliedAs: 'update' } });
    const text = await runCadence(['ingest', older, '--dry-run'], { env: env() });
    expect(text.stdout).toMatch(/TRIO-1b \(update, declared as a new release, created 2026-12-01T12:00:00.000Z\): dry run: .* is valid/);
    expect(text.stdout).toMatch(/stale: release 012345678905 already has the newer message TRIO-2 \(created 2026-12-02T09:00:00.000Z\)/);
    expect(await storeListing()).toEqual(before);
    // A newer message is not stale.
    await writeReleaseFolder(older, trio('TRIO-9', '2026-12-05T12:00:00Z'), { reuseMasters: true, messageFile: 'message.xml' });
    expect(JSON.parse((await runCadence(['ingest', older, '--dry-run', '--json'], { env: env() })).stdout)).toMatchObject({ status: 'valid', stale: false, newer: null });
  }, 120_000);

  it('a newer message that lists the track again brings it back on every node and after a reindex', async () => {
    const back = await deliver(trio('TRIO-3', '2026-12-03T09:00:00Z'));
    expect(back).toMatchObject({ status: 'applied', message: { appliedAs: 'update' }, restored: [C], dropped: [] });
    await eventually(async () => (await get(`/v1/tracks/${C}`)).status === 200, 'bring the track back');
    expect((await get(`/v1/tracks/${C}/playback`, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(await searchIsrcs('Movement 3')).toContain(C);
    expect(await reindexed('rebuilt-2.db')).toEqual({ onRelease: [A, B, C], releasesOfC: [UPC], takedownOfC: null });
  }, 120_000);
});
