import { makeCover } from '../fixtures/cover-images.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ErnMessageSpec, ernMessage, sampleRelease, toUtf16 } from '../fixtures/ddex-messages.ts';
import { tinyWav as wav } from '../fixtures/ddex-releases.ts';
import { DdexDeliveryError, findErnMessage, isDdexPath, loadDdexDelivery } from './ddex-delivery.ts';
import { resolveToolPaths } from './tool-paths.ts';

const { ffprobePath } = resolveToolPaths({});
let dir: string;

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

async function release(spec: ErnMessageSpec, { utf16 = false, cover = { width: 640, height: 640 } } = {}): Promise<string> {
  await mkdir(join(dir, 'resources'), { recursive: true });
  for (const [i, track] of spec.tracks.entries()) {
    track.file = track.file.replace('.flac', '.wav');
    const bytes = wav(0.5, i);
    await writeFile(join(dir, track.file), bytes);
    track.hash ??= { algorithm: 'MD5', value: md5(bytes) };
    track.duration = 'PT0.5S';
  }
  if (spec.cover) {
    // A real image: the shared checks refuse a cover that is not one (delivery-cover.ts).
    const bytes = await makeCover(cover);
    await writeFile(join(dir, spec.cover.file), bytes);
    spec.cover.hash = { algorithm: 'MD5', value: md5(bytes) };
  }
  const file = join(dir, 'message.xml');
  const xml = ernMessage(spec);
  await writeFile(file, utf16 ? toUtf16(xml) : xml);
  return file;
}

async function refusal(file: string): Promise<DdexDeliveryError> {
  const error = await loadDdexDelivery(file, { ffprobePath }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DdexDeliveryError);
  return error as DdexDeliveryError;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cadence-ddex-delivery-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDdexDelivery', () => {
  it('accepts a FrontCoverImage that is not square with a COVER_NOT_SQUARE warning, carried with the message warnings', async () => {
    const file = await release(sampleRelease({ family: '4.3', tracks: 1, series: 91 }), { cover: { width: 700, height: 1000 } });
    const load = await loadDdexDelivery(file, { ffprobePath });
    expect(load.kind).toBe('release');
    if (load.kind !== 'release') return;
    expect(load.delivery.cover).not.toBeNull();
    const warning = { where: 'release.cover', code: 'COVER_NOT_SQUARE', message: 'resources/cover.jpg: the cover is 700×1000, not square: served sizes are cropped to the centre square' };
    expect(load.warnings).toEqual([warning]);
    // A square cover: no warning.
    const square = await release(sampleRelease({ family: '4.3', tracks: 1, series: 91 }));
    expect((await loadDdexDelivery(square, { ffprobePath })).warnings).toEqual([]);
  });

  it('maps an ERN 3.8.2 2-disc release (UTF-16) into the delivery model with rights, positions and the cover path', async () => {
    const file = await release(sampleRelease({ family: '3.8.2', tracks: 4, discs: 2, series: 90 }), { utf16: true });
    const load = await loadDdexDelivery(file, { ffprobePath });
    expect(load.kind).toBe('release');
    if (load.kind !== 'release') return;
    expect(load.message).toMatchObject({ id: 'MSG-90-4-new', kind: 'new', ernVersion: '3.8.2' });
    expect(load.delivery.release).toMatchObject({ upc: '012345678905', label: 'Northern Lights Records', territories: ['WW'] });
    expect(load.delivery.tracks.map((t) => [t.discNumber, t.trackNumber])).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);
    expect(load.delivery.tracks[0]!.rights).toEqual({ territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: ['free', 'hifi', 'premium'] });
    expect(load.delivery.tracks[1]!.artists).toEqual(['Ilse Varga', 'Oskar Lind']);
    // Credits with their roles, the recording's own genre and its ℗ line reach the delivery model.
    expect(load.delivery.tracks[0]!.recording).toEqual({
      genre: 'Classical',
      credits: expect.arrayContaining([{ name: 'Ilse Varga', role: 'MainArtist' }, { name: 'Mara Holm', role: 'Producer' }]),
      pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' },
    });
    expect(load.delivery.tracks[1]!.recording!.credits).toContainEqual({ name: 'Oskar Lind', role: 'FeaturedArtist' });
    expect(load.delivery.tracks[3]!.recording!.genre).toBe('Ambient');
    expect(load.takedown).toBeNull();
  });

  it('warns, naming the Duration element, when a stated duration is far from the master\'s length', async () => {
    const spec = sampleRelease({ family: '4.3', tracks: 2, series: 97 });
    const file = await release(spec);
    expect((await loadDdexDelivery(file, { ffprobePath })).warnings.filter((w) => w.code === 'DURATION_MISMATCH')).toEqual([]);
    spec.tracks[1]!.duration = 'PT3M20S';
    await writeFile(file, ernMessage(spec));
    const load = await loadDdexDelivery(file, { ffprobePath });
    expect(load.kind).toBe('release');
    expect(load.warnings.filter((w) => w.code === 'DURATION_MISMATCH')).toEqual([
      {
        where: '/NewReleaseMessage/ResourceList/SoundRecording[2]/Duration',
        code: 'DURATION_MISMATCH',
        message: 'the message says 3:20 but resources/002.wav lasts 0:00.5: is it the right file?',
      },
    ]);
  });

  it('names a wrong hash and a missing file by their File element', async () => {
    const spec = sampleRelease({ family: '4.3', tracks: 2, series: 91 });
    const file = await release(spec);
    await writeFile(join(dir, 'resources/001.wav'), wav(0.5, 99));
    await rm(join(dir, 'resources/002.wav'));
    const error = await refusal(file);
    expect(error.ern?.id).toBe('MSG-91-2-new');
    expect(error.problems).toEqual([
      expect.objectContaining({ code: 'HASH_MISMATCH', where: '/NewReleaseMessage/ResourceList/SoundRecording[1]/TechnicalDetails/DeliveryFile/File' }),
      expect.objectContaining({ code: 'NO_FILE', where: '/NewReleaseMessage/ResourceList/SoundRecording[2]/TechnicalDetails/DeliveryFile/File' }),
    ]);
  });

  it('keys a release without an ICPN by its GRid, else by its proprietary id', async () => {
    const byGrid = sampleRelease({ family: '4.3', tracks: 1, series: 93 });
    byGrid.release.icpn = undefined;
    const gridLoad = await loadDdexDelivery(await release(byGrid), { ffprobePath });
    expect(gridLoad).toMatchObject({ kind: 'release', delivery: { release: { upc: 'grid:A12425GABC1234002M' } } });

    const byProprietary = sampleRelease({ family: '3.8.2', tracks: 1, series: 94 });
    byProprietary.release.icpn = undefined;
    byProprietary.release.grid = undefined;
    byProprietary.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NLR-0042' };
    const proprietaryLoad = await loadDdexDelivery(await release(byProprietary), { ffprobePath });
    expect(proprietaryLoad).toMatchObject({ kind: 'release', delivery: { release: { upc: 'proprietary:PADPIDA2026120301X:NLR-0042' } } });
  });

  it('refuses a release whose only id is a proprietary id that cannot be a key, saying why', async () => {
    const spec = sampleRelease({ family: '4.3', tracks: 1, series: 95 });
    spec.release.icpn = undefined;
    spec.release.grid = undefined;
    spec.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NLR 0042/B' };
    const error = await refusal(await release(spec));
    expect(error.problems).toEqual([
      expect.objectContaining({ code: 'MISSING', where: '/NewReleaseMessage/ReleaseList/Release/ReleaseId', message: expect.stringContaining('no ProprietaryId usable as its id') }),
    ]);
  });

  it('refuses a DOCTYPE before parsing, with no header to acknowledge', async () => {
    const file = join(dir, 'bomb.xml');
    await writeFile(file, '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><NewReleaseMessage/>');
    const error = await refusal(file);
    expect(error.ern).toBeNull();
    expect(error.problems.map((p) => p.code)).toEqual(['DOCTYPE']);
  });

  it('turns a purge into the release to take down', async () => {
    const spec = sampleRelease({ family: '4.3', tracks: 1, series: 92, kind: 'purge' });
    const file = join(dir, 'purge.xml');
    await writeFile(file, ernMessage(spec));
    expect(await loadDdexDelivery(file, { ffprobePath })).toMatchObject({ kind: 'purge', upc: '012345678905', message: { kind: 'purge' } });
  });

  it('purges a release known only by its GRid', async () => {
    const spec = sampleRelease({ family: '3.8.2', tracks: 1, series: 96, kind: 'purge' });
    spec.release.icpn = undefined;
    const file = join(dir, 'purge-grid.xml');
    await writeFile(file, ernMessage(spec));
    expect(await loadDdexDelivery(file, { ffprobePath })).toMatchObject({ kind: 'purge', upc: 'grid:A12425GABC1234002M' });
  });
});

describe('finding the message', () => {
  it('takes the one .xml of a release folder, and refuses none or two', async () => {
    expect(await isDdexPath(dir)).toBe(true);
    await expect(findErnMessage(dir)).rejects.toThrow(/holds no ERN message/);
    await writeFile(join(dir, 'a.xml'), '<x/>');
    expect(await findErnMessage(dir)).toBe(join(dir, 'a.xml'));
    await writeFile(join(dir, 'b.XML'), '<x/>');
    await expect(findErnMessage(dir)).rejects.toThrow(/exactly one ERN message, this one holds 2: a.xml, b.XML/);
    await writeFile(join(dir, 'delivery.json'), '{}');
    expect(await isDdexPath(join(dir, 'delivery.json'))).toBe(false);
  });
});
