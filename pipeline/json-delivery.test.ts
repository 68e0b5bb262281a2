import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryJson } from '../fixtures/deliveries.ts';
import { checkDelivery } from './delivery-checks.ts';
import { parseJsonDelivery } from './json-delivery.ts';

// The JSON parse gives the shared checks every usable field, so a field the schema refused hides
// nothing else. No master exists here, so nothing is probed: each master is reported missing.

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-json-delivery-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function parse(json: unknown): Promise<Awaited<ReturnType<typeof parseJsonDelivery>>> {
  const file = join(scratch, 'delivery.json');
  await writeFile(file, typeof json === 'string' ? json : JSON.stringify(json));
  return parseJsonDelivery(file);
}

describe('parseJsonDelivery', () => {
  it('leaves out only what the schema refused', async () => {
    const json = deliveryJson({ tracks: 2 });
    json.tracks[0]!.isrc = 'GB-AYE-26-00001';
    (json.tracks[1] as Record<string, unknown>).trackNumber = 'two';
    json.release.territories = ['GB', 'gb'];
    const { draft, problems } = await parse(json);
    expect(problems.map((p) => p.where)).toEqual(['release.territories[1]', 'tracks[0] (GB-AYE-26-00001).isrc', 'tracks[1] (GBCAD2600002).trackNumber']);
    expect(draft!.tracks[0]).toMatchObject({ where: 'tracks[0] (GB-AYE-26-00001)', isrc: null, title: 'Movement 1', master: 'masters/01.wav', discNumber: 1, explicit: false });
    expect(draft!.tracks[1]).toMatchObject({ isrc: 'GBCAD2600002', trackNumber: null, master: 'masters/02.wav' });
    expect(draft!.release).toMatchObject({ upc: '012345678905', territories: null, genre: 'Classical' });
    expect(draft!.folder).toBe(scratch);
  });

  it('reads a track\'s optional genre, credits and ℗ line, and refuses a credit without a role', async () => {
    const json = deliveryJson({ tracks: 3 });
    Object.assign(json.tracks[0]!, {
      genre: 'Neoclassical',
      credits: [{ name: 'Ilse Varga', role: 'MainArtist' }, { name: 'Åsa Berg', role: 'Composer' }],
      pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' },
    });
    Object.assign(json.tracks[1]!, { credits: [{ name: 'Oskar Lind' }] });
    const { draft, problems } = await parse(json);
    expect(draft!.tracks[0]!.recording).toEqual({
      genre: 'Neoclassical',
      credits: [{ name: 'Ilse Varga', role: 'MainArtist' }, { name: 'Åsa Berg', role: 'Composer' }],
      pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' },
    });
    expect(draft!.tracks[2]!.recording).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ where: 'tracks[1] (GBCAD2600002).credits[0]', message: expect.stringContaining('role') })]);
  });

  it('gives no draft for a file that is not JSON, with line and column', async () => {
    expect(await parse('{\n  "label": x\n}')).toEqual({ draft: null, problems: [{ where: 'file', message: "invalid JSON: line 2, column 12: expected a value, found 'x'" }] });
  });
});

describe('checkDelivery', () => {
  it('checks the master of a track whose ISRC and position are unusable', async () => {
    const json = deliveryJson({ tracks: 2 });
    json.tracks[0]!.isrc = 'bad';
    json.tracks[1]!.isrc = 'GBCAD2600001';
    json.release.upc = '012345678901';
    const { draft } = await parse(json);
    const { problems, tracks } = await checkDelivery(draft!, { ffprobePath: '/nonexistent/ffprobe' });
    expect(tracks).toEqual([]);
    expect(problems).toEqual([
      { where: 'release.upc', message: '012345678901 has a wrong check digit' },
      { where: 'tracks[0] (bad).master', message: 'masters/01.wav: the file does not exist' },
      { where: 'tracks[1] (GBCAD2600001).master', message: 'masters/02.wav: the file does not exist' },
    ]);
  });
});
