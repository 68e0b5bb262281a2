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
  // Node 20's JSON.parse gives no position for these ("Unexpected token 't', … is not valid JSON").
  { name: 'invalid JSON on line 3', mutate: () => undefined, raw: '{\n  "label": "x",\n  "release": tru\n}', expect: [/file: invalid JSON: line 3, column 14: expected a value, found 't'/] },
  { name: '10 KB of nested arrays', mutate: () => undefined, raw: `${'['.repeat(10240)}${']'.repeat(10240)}`, expect: [/file: invalid JSON: line 1, column 33: arrays and objects are nested deeper than 32 levels/] },
  { name: 'deep nesting inside a field', mutate: () => undefined, raw: `{"label": ${'['.repeat(5000)}${']'.repeat(5000)}}`, expect: [/nested deeper than 32 levels/] },
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

  it('reports every problem at once: a malformed ISRC and UPC hide neither a lossy nor a missing master', async () => {
    const { file, env } = await deliveryWith((j) => {
      j.tracks[0]!.isrc = 'GB-AYE-26-00001';
      j.tracks[0]!.master = 'masters/lossy.flac';
      j.tracks[1]!.master = 'masters/missing.wav';
      j.release.upc = '01234-5678';
    });
    await copyFile(mp3, join(file, '..', 'masters', 'lossy.flac'));
    const result = await runCadence(['ingest', file, '--json'], { env });
    expect(result.code).not.toBe(0);
    const report = JSON.parse(result.stdout) as { problems: Array<{ where: string; message: string }> };
    expect(report.problems.map((p) => p.where)).toEqual([
      'release.upc',
      'tracks[0] (GB-AYE-26-00001).isrc',
      'tracks[0] (GB-AYE-26-00001).master',
      'tracks[1] (GBCAD2600002).master',
    ]);
    expect(report.problems[2]!.message).toMatch(/masters\/lossy\.flac: the file is not a WAV, FLAC or AIFF master; it looks like an MP3/);
    expect(report.problems[3]!.message).toBe('masters/missing.wav: the file does not exist');
  });

  it('answers deep nesting with BAD_DELIVERY as JSON with --json, never INTERNAL', async () => {
    const { file, env } = await deliveryWith(() => undefined, `${'['.repeat(10240)}${']'.repeat(10240)}`);
    const result = await runCadence(['ingest', file, '--json'], { env });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, code: 'BAD_DELIVERY', file, problems: [{ where: 'file', message: expect.stringMatching(/nested deeper/) }] });
    expect(result.stderr).not.toMatch(/INTERNAL|RangeError|\n\s+at /);
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

describe('cadence ingest --dry-run checks where it would write', () => {
  it('passes a good delivery and creates nothing', async () => {
    const { file, env } = await deliveryWith(() => undefined);
    const dir = join(file, '..');
    const result = await runCadence(['ingest', file, '--dry-run', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, dryRun: true });
    expect((await readdir(dir)).sort()).toEqual(['delivery.json', 'masters']);
  });

  it.each([
    {
      name: 'a store under a file',
      env: (dir: string) => ({ CADENCE_STORE: `file://${join(dir, 'delivery.json', 'objects')}` }),
      expect: (dir: string) => `BAD_CONFIG: CADENCE_STORE=file://${join(dir, 'delivery.json', 'objects')}: cannot store objects in ${join(dir, 'delivery.json', 'objects')}: ${join(dir, 'delivery.json')} is a file, so ${join(dir, 'delivery.json', 'objects')} cannot be created`,
    },
    {
      // Refused when the settings are read, before any command (and its --json) runs.
      name: 'an invalid store URL',
      atStart: true,
      env: () => ({ CADENCE_STORE: 'ftp://example.com/objects' }),
      expect: () => 'BAD_CONFIG: CADENCE_STORE="ftp://example.com/objects": invalid object store URL "ftp://example.com/objects": unsupported scheme "ftp:"; use file://PATH or s3://BUCKET[/PREFIX]',
    },
    {
      name: 'a catalog path that is a folder',
      env: (dir: string) => ({ CADENCE_CATALOG: join(dir, 'masters') }),
      expect: (dir: string) => `BAD_CONFIG: CADENCE_CATALOG=${join(dir, 'masters')}: ${join(dir, 'masters')} is a folder, not a catalog file`,
    },
    {
      name: 'a catalog under a file',
      env: (dir: string) => ({ CADENCE_CATALOG: join(dir, 'delivery.json', 'catalog.db') }),
      expect: (dir: string) => `BAD_CONFIG: CADENCE_CATALOG=${join(dir, 'delivery.json', 'catalog.db')}: ${join(dir, 'delivery.json')} is a file, so ${join(dir, 'delivery.json', 'catalog.db')} cannot be created`,
    },
  ])('refuses $name with one clear line and creates nothing', async (target) => {
    const { file, env } = await deliveryWith(() => undefined);
    const dir = join(file, '..');
    const result = await runCadence(['ingest', file, '--dry-run'], { env: { ...env, ...target.env(dir) } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(target.expect(dir));
    expect((await readdir(dir)).sort()).toEqual(['delivery.json', 'masters']);
    if (target.atStart) return;
    const json = await runCadence(['ingest', file, '--dry-run', '--json'], { env: { ...env, ...target.env(dir) } });
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: 'BAD_CONFIG' });
  });
});
