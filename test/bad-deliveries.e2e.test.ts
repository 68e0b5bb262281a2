// Bad deliveries: each gets a clear error naming the track and field, a non-zero exit, and
// nothing is encoded or published.

import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryJson, type DeliveryJson } from '../fixtures/deliveries.ts';
import { makeBadMasters } from '../fixtures/bad-masters.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { runCadence } from './helpers/cadence-cli.ts';

let scratch: string;
let good: string;
let mp3: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-bad-deliveries-'));
  good = join(scratch, 'good.wav');
  await makeMaster({ path: good, seconds: 2 });
  mp3 = (await makeBadMasters(join(scratch, 'bad')))['mp3-as-flac'];
}, 60_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
/** A delivery folder holding `good.wav` as every track's master, after `mutate` edits the JSON. */
async function deliveryWith(mutate: (json: DeliveryJson) => unknown, rawText?: string): Promise<{ file: string; env: NodeJS.ProcessEnv }> {
  const dir = join(scratch, `case-${++counter}`);
  await mkdir(join(dir, 'masters'), { recursive: true });
  const json = deliveryJson({ tracks: 2 });
  for (const track of json.tracks) await copyFile(good, join(dir, track.master));
  const edited = mutate(json) ?? json;
  const file = join(dir, 'delivery.json');
  await writeFile(file, rawText ?? JSON.stringify(edited));
  return { file, env: { CADENCE_STORE: `file://${join(dir, 'objects')}`, CADENCE_CATALOG: join(dir, 'catalog.db') } };
}

const cases: Array<{ name: string; mutate: (json: DeliveryJson) => unknown; raw?: string; expect: RegExp[]; setup?: (dir: string) => Promise<void> }> = [
  { name: 'invalid JSON', mutate: () => undefined, raw: '{ "label": "x", ', expect: [/file: invalid JSON: .*line 1/] },
  { name: 'a schema violation (missing field)', mutate: (j) => { delete (j.release as Partial<typeof j.release>).upc; }, expect: [/release: missing required field "upc"/] },
  { name: 'an unknown field', mutate: (j) => { (j.tracks[0] as Record<string, unknown>).mastr = 'x.wav'; }, expect: [/tracks\[0\] \(GBCAD2600001\): unknown field "mastr"/] },
  { name: 'wrong types', mutate: (j) => { (j.tracks[1] as Record<string, unknown>).trackNumber = '2'; (j.release as Record<string, unknown>).artists = 'Ilse'; }, expect: [/tracks\[1\] \(GBCAD2600002\)\.trackNumber: must be integer/, /release\.artists: must be array/] },
  { name: 'a 10 MB title', mutate: (j) => { j.tracks[0]!.title = 'x'.repeat(10 * 1024 * 1024); }, expect: [/tracks\[0\] \(GBCAD2600001\)\.title: must NOT have more than 500 characters/] },
  { name: 'a __proto__ key', mutate: () => undefined, raw: JSON.stringify(deliveryJson({ tracks: 2 })).replace('"label":', '"__proto__": {"admin": true}, "label":'), expect: [/forbidden key "__proto__"/] },
  { name: 'a malformed ISRC', mutate: (j) => { j.tracks[0]!.isrc = 'GB-AYE-26-00001'; }, expect: [/tracks\[0\] \(GB-AYE-26-00001\)\.isrc: must be an ISRC/] },
  { name: 'a UPC with a wrong check digit and an impossible date', mutate: (j) => { j.release.upc = '012345678901'; j.release.releaseDate = '2026-02-30'; }, expect: [/release\.upc: 012345678901 has a wrong check digit/, /release\.releaseDate: 2026-02-30 is not a calendar date/] },
  { name: 'an unknown territory', mutate: (j) => { j.release.territories = ['GB', 'XQ']; }, expect: [/release\.territories\[1\]: XQ is not an ISO 3166-1 country code/] },
  { name: 'a duplicate ISRC', mutate: (j) => { j.tracks[1]!.isrc = j.tracks[0]!.isrc; }, expect: [/tracks\[1\] \(GBCAD2600001\)\.isrc: duplicate ISRC, also used by tracks\[0\]/] },
  { name: 'a master path with ..', mutate: (j) => { j.tracks[0]!.master = '../good.wav'; }, expect: [/tracks\[0\] \(GBCAD2600001\)\.master: "\.\.\/good\.wav" must not contain "\.\." segments/] },
  { name: 'an absolute master path', mutate: (j) => { j.tracks[1]!.master = good; }, expect: [/tracks\[1\] \(GBCAD2600002\)\.master: ".*good\.wav" must be relative/] },
  { name: 'a missing master', mutate: (j) => { j.tracks[1]!.master = 'masters/missing.wav'; }, expect: [/tracks\[1\] \(GBCAD2600002\)\.master: masters\/missing\.wav: the file does not exist/] },
  { name: 'a symlink out of the folder', mutate: (j) => { j.tracks[0]!.master = 'masters/escape.wav'; }, setup: (dir) => symlink(good, join(dir, 'masters', 'escape.wav')), expect: [/tracks\[0\] \(GBCAD2600001\)\.master: masters\/escape\.wav leads outside the delivery folder/] },
  { name: 'a lossy master', mutate: (j) => { j.tracks[1]!.master = 'masters/lossy.flac'; }, setup: (dir) => copyFile(mp3, join(dir, 'masters', 'lossy.flac')), expect: [/tracks\[1\] \(GBCAD2600002\)\.master: masters\/lossy\.flac: the file is not a WAV, FLAC or AIFF master; it looks like an MP3/] },
];

describe('cadence ingest refuses bad deliveries', () => {
  it.each(cases)('$name', async ({ mutate, raw, setup, expect: patterns }) => {
    const { file, env } = await deliveryWith(mutate, raw);
    const dir = join(file, '..');
    await setup?.(dir);

    const result = await runCadence(['ingest', file], { env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`BAD_DELIVERY: ${file}`);
    for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
    // Nothing published: no objects, no catalog rows.
    expect((await readdir(dir)).filter((name) => name === 'objects')).toEqual([]);
  });

  it('reports every problem at once as JSON with --json', async () => {
    const { file, env } = await deliveryWith((j) => {
      j.tracks[1]!.isrc = j.tracks[0]!.isrc;
      j.tracks[0]!.master = 'masters/missing.wav';
    });
    const result = await runCadence(['ingest', file, '--json'], { env });
    expect(result.code).not.toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ ok: false, code: 'BAD_DELIVERY', file });
    expect(report.problems.map((p: { where: string }) => p.where)).toEqual(['tracks[1] (GBCAD2600001).isrc', 'tracks[0] (GBCAD2600001).master']);
  });
});
