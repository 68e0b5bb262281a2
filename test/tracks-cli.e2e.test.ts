// `cadence tracks` and `cadence track` through the real command line, over what real ingests
// published: a recording on a single and an album, remastered (two versions), refused once to
// another label (a failed job), one track taken down. Both commands only read: they answer while
// another process holds the catalog's write lock, and do not create a missing catalog.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackDetails, TrackListing } from '../catalog/types.ts';
import type { DeliveryJson } from '../fixtures/deliveries.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { runCadence } from './helpers/cadence-cli.ts';

const SHARED = 'GBTRK2600001';
const ALBUM_ONLY = 'GBTRK2600002';
const SINGLE_UPC = '012345678905';
const ALBUM_UPC = '012345678912';
let scratch: string;
let env: NodeJS.ProcessEnv;

async function writeDelivery(name: string, upc: string, title: string, tracks: Array<{ isrc: string; trackNumber: number; seed: number }>, label = 'Northern Lights Records'): Promise<string> {
  const dir = join(scratch, name);
  await mkdir(join(dir, 'masters'), { recursive: true });
  await Promise.all(tracks.map((track) => makeMaster({ path: join(dir, 'masters', `${track.seed}.wav`), seconds: 3, seed: track.seed })));
  const json: DeliveryJson = {
    label,
    release: { upc, title, artists: ['Ilse Varga'], releaseDate: '2026-11-01', genre: 'Classical', territories: ['WW'] },
    tracks: tracks.map((track) => ({ isrc: track.isrc, title: track.isrc === SHARED ? 'Prelude' : 'Aubade', artists: ['Ilse Varga'], trackNumber: track.trackNumber, master: `masters/${track.seed}.wav` })),
  };
  const file = join(dir, 'delivery.json');
  await writeFile(file, JSON.stringify(json));
  return file;
}

async function cadence(args: string[], options: { env?: NodeJS.ProcessEnv; expectCode?: number } = {}) {
  const result = await runCadence(args, { env: options.env ?? env });
  expect(result.code, `cadence ${args.join(' ')}: ${result.stderr}`).toBe(options.expectCode ?? 0);
  return result;
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-tracks-cli-'));
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  await cadence(['ingest', await writeDelivery('single', SINGLE_UPC, 'Prelude (Single)', [{ isrc: SHARED, trackNumber: 1, seed: 1 }])]);
  await cadence(['ingest', await writeDelivery('album', ALBUM_UPC, 'Aurora', [{ isrc: ALBUM_ONLY, trackNumber: 1, seed: 2 }, { isrc: SHARED, trackNumber: 3, seed: 1 }])]);
  await cadence(['ingest', await writeDelivery('remaster', SINGLE_UPC, 'Prelude (Single)', [{ isrc: SHARED, trackNumber: 1, seed: 7 }])]);
  await cadence(['ingest', await writeDelivery('hijack', '4006381333931', 'Totally Original', [{ isrc: SHARED, trackNumber: 1, seed: 9 }], 'Pirate Tunes')], { expectCode: 1 });
  await cadence(['takedown', '--isrc', ALBUM_ONLY, '--reason', 'label request']);
}, 240_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('cadence tracks', () => {
  it('prints a table of every track with its release, current version, availability and last job', async () => {
    const { stdout } = await cadence(['tracks']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ISRC\s+TITLE\s+ARTISTS\s+RELEASE\s+DISC-TRACK\s+VERSION\s+PUBLISHED\s+AVAILABILITY\s+LAST JOB$/);
    expect(lines[1]).toMatch(new RegExp(`^${SHARED}\\s+Prelude\\s+Ilse Varga\\s+${SINGLE_UPC}\\s+1-01\\s+[0-9a-f]{20}\\s+\\S+Z\\s+available\\s+failed: CONFLICT: `));
    expect(lines[2]).toMatch(new RegExp(`^${ALBUM_ONLY}\\s+Aubade\\s+Ilse Varga\\s+${ALBUM_UPC}\\s+1-01\\s+[0-9a-f]{20}\\s+\\S+Z\\s+taken down \\S+Z by an operator\\s+published$`));
    expect(lines[3]).toBe('2 tracks');
  });

  it('--release lists one release in its own order; --json is one document', async () => {
    const { stdout } = await cadence(['tracks', '--release', ALBUM_UPC, '--json']);
    const document = JSON.parse(stdout) as { release: string; tracks: TrackListing[] };
    expect(document.release).toBe(ALBUM_UPC);
    expect(document.tracks.map((track) => [track.isrc, track.upc, track.discNumber, track.trackNumber])).toEqual([
      [ALBUM_ONLY, ALBUM_UPC, 1, 1],
      [SHARED, ALBUM_UPC, 1, 3],
    ]);
    expect(document.tracks[0]!.availability?.takedown).toMatchObject({ source: 'operator', reason: 'label request' });
    const all = JSON.parse((await cadence(['tracks', '--json'])).stdout) as { tracks: TrackListing[] };
    expect(all.tracks.map((track) => track.isrc)).toEqual([SHARED, ALBUM_ONLY]);
    const table = (await cadence(['tracks', '--release', ALBUM_UPC])).stdout;
    expect(table).toMatch(new RegExp(`\\n${SHARED}\\s+Prelude\\s+Ilse Varga\\s+${ALBUM_UPC}\\s+1-03\\s`));
    expect(table.trimEnd().split('\n').at(-1)).toBe(`2 tracks on release ${ALBUM_UPC}`);
  });
});

describe('cadence track', () => {
  it('shows every version (current marked, master hash), every release, availability and the latest jobs', async () => {
    const details = JSON.parse((await cadence(['track', SHARED, '--json'])).stdout) as TrackDetails;
    expect(details.versions).toHaveLength(2);
    expect(details.versions.map((version) => version.current)).toEqual([true, false]);
    expect(details.versions.map((version) => version.masterSha256)).toEqual([await sha256(join(scratch, 'remaster/masters/7.wav')), await sha256(join(scratch, 'single/masters/1.wav'))]);
    expect(details.currentVersion).toBe(details.versions[0]!.version);
    expect(details.versions[0]!.renditions).toEqual(['aac-96', 'aac-160', 'aac-320', 'flac']);
    expect(details.releases).toEqual([
      { upc: SINGLE_UPC, title: 'Prelude (Single)', label: 'Northern Lights Records', discNumber: 1, trackNumber: 1, owner: true },
      { upc: ALBUM_UPC, title: 'Aurora', label: 'Northern Lights Records', discNumber: 1, trackNumber: 3, owner: false },
    ]);
    expect(details.availability).toEqual({ rights: { territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: null }, takedown: null });
    expect(details.jobs[0]).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^CONFLICT: GBTRK2600001 belongs to label "Northern Lights Records"/) });
    expect(details.jobs.slice(1).map((job) => job.state)).toEqual(['published', 'published', 'published']);

    const text = (await cadence(['track', SHARED])).stdout;
    expect(text).toContain(`${SHARED}  Prelude — Ilse Varga\n`);
    expect(text).toContain(`  * ${details.versions[0]!.version}  published ${details.versions[0]!.publishedAt}`);
    expect(text).toContain(`      master sha256 ${details.versions[1]!.masterSha256}`);
    expect(text).toContain(`  ${SINGLE_UPC}  "Prelude (Single)" (Northern Lights Records)  disc 1 track 1  owner\n`);
    expect(text).toContain(`  ${ALBUM_UPC}  "Aurora" (Northern Lights Records)  disc 1 track 3\n`);
    expect(text).toContain('availability: available\n  rights: WW · 2026-11-01T00:00:00.000Z → open-ended · every tier\n');
    expect(text).toMatch(/ {6}error: CONFLICT: GBTRK2600001 belongs to label/);

    const down = (await cadence(['track', ALBUM_ONLY])).stdout;
    expect(down).toMatch(/availability: taken down \S+Z by an operator\n {2}takedown: label request \(at \S+Z, by an operator\)\n/);
    expect((JSON.parse((await cadence(['track', ALBUM_ONLY, '--json'])).stdout) as TrackDetails).availability?.takedown?.source).toBe('operator');
  });

  it('names an unknown or malformed ISRC or UPC with a non-zero exit', async () => {
    expect((await cadence(['track', 'GBTRK2699999'], { expectCode: 1 })).stderr).toBe('NOT_FOUND: no published track GBTRK2699999 in the catalog\n');
    expect((await cadence(['track', 'gb-trk-26'], { expectCode: 1 })).stderr).toBe('BAD_INPUT: "gb-trk-26" is not an ISRC (12 characters like GBAYE2600001, no hyphens)\n');
    expect((await cadence(['tracks', '--release', '5901234123457'], { expectCode: 1 })).stderr).toBe('NOT_FOUND: no release 5901234123457 in the catalog\n');
    expect((await cadence(['tracks', '--release', '012345678900'], { expectCode: 1 })).stderr).toBe('BAD_INPUT: --release "012345678900" is not a UPC-A or EAN-13 with a valid check digit\n');
  });

  it('only reads: answers while another process holds the write lock, and does not create a missing catalog', async () => {
    const writer = new Database(env.CADENCE_CATALOG!);
    try {
      writer.prepare('BEGIN IMMEDIATE').run();
      const started = performance.now();
      await cadence(['tracks', '--json']);
      await cadence(['track', SHARED, '--json']);
      expect(performance.now() - started).toBeLessThan(4000);
      writer.prepare('ROLLBACK').run();
    } finally {
      writer.close();
    }
    const missing = join(scratch, 'nowhere', 'catalog.db');
    const refused = await cadence(['tracks'], { env: { ...env, CADENCE_CATALOG: missing }, expectCode: 1 });
    expect(refused.stderr).toBe(`NOT_FOUND: no catalog at ${missing} (CADENCE_CATALOG): nothing is published here yet\n`);
    expect(existsSync(join(scratch, 'nowhere'))).toBe(false);
  });
});
