import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, type ParsedManifest } from 'm3u8-parser';
import { describe, expect, it } from 'vitest';
import {
  mediaPlaylistUri,
  targetDuration,
  writeMediaPlaylist,
  writeMultivariantPlaylist,
} from './hls-writer.ts';
import type { Addressing, MediaDescription, Rendition } from './types.ts';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const updateGoldens = process.env.UPDATE_GOLDENS === '1';
const addressings: Addressing[] = ['byterange', 'segments'];

const cases = readdirSync(testdata, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(path.join(testdata, entry.name, 'description.json')))
  .map((entry) => ({
    name: entry.name,
    description: JSON.parse(
      readFileSync(path.join(testdata, entry.name, 'description.json'), 'utf8'),
    ) as MediaDescription,
  }));

/** Compares with the golden file, or rewrites it when UPDATE_GOLDENS=1. */
function expectGolden(file: string, actual: string): void {
  const name = path.relative(testdata, file);
  if (updateGoldens) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`golden ${name} is missing; run UPDATE_GOLDENS=1 npx vitest run manifests/`);
  }
  expect(actual, `golden ${name} differs (UPDATE_GOLDENS=1 rewrites it)`).toBe(readFileSync(file, 'utf8'));
}

/** Golden folder for one addressing: byte-range manifests at the top, per-segment below. */
function goldenDir(caseName: string, addressing: Addressing): string {
  return addressing === 'segments' ? path.join(testdata, caseName, 'segments') : path.join(testdata, caseName);
}

function parse(text: string): ParsedManifest {
  const parser = new Parser();
  const warnings: string[] = [];
  parser.on('warn', ({ message }) => warnings.push(message));
  parser.push(text);
  parser.end();
  expect(warnings, 'm3u8-parser warnings').toEqual([]);
  return parser.manifest;
}

function extinfValues(playlist: string): string[] {
  return [...playlist.matchAll(/^#EXTINF:([^,]*),/gm)].map((match) => match[1] ?? '');
}

function tagValue(playlist: string, tag: string): string | undefined {
  return playlist.split('\n').find((line) => line.startsWith(`${tag}:`))?.slice(tag.length + 1);
}

function firstRendition(description: MediaDescription): Rendition {
  const rendition = description.renditions[0];
  if (!rendition) throw new Error('description has no renditions');
  return rendition;
}

it('finds the golden cases', () => {
  expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['stereo-44k', 'hires-96k']));
});

describe.each(cases)('$name', ({ name, description }) => {
  describe.each(addressings)('%s addressing', (addressing) => {
    it('writes the multivariant playlist of the golden file, parseable with no warnings', () => {
      const text = writeMultivariantPlaylist(description, { addressing });
      expectGolden(path.join(goldenDir(name, addressing), 'master.m3u8'), text);

      const manifest = parse(text);
      const playlists = manifest.playlists ?? [];
      expect(playlists.map((p) => p.uri)).toEqual(
        description.renditions.map((r) => mediaPlaylistUri(r.id, addressing)),
      );
      description.renditions.forEach((rendition, i) => {
        const attributes = playlists[i]?.attributes ?? {};
        expect(attributes.CODECS).toBe(rendition.codecs);
        expect(attributes.BANDWIDTH).toBe(Math.ceil(rendition.peakBitrate));
        // m3u8-parser leaves AVERAGE-BANDWIDTH as a string.
        expect(Number(attributes['AVERAGE-BANDWIDTH'])).toBe(Math.ceil(rendition.averageBitrate));
      });
      expect(manifest.independentSegments).toBe(true);
    });

    it.each(description.renditions.map((r) => [r.id, r] as const))(
      'writes the %s media playlist of the golden file, matching the description',
      (_id, rendition) => {
        const text = writeMediaPlaylist(rendition, { addressing });
        expectGolden(path.join(goldenDir(name, addressing), mediaPlaylistUri(rendition.id, addressing)), text);

        const manifest = parse(text);
        expect(manifest.version).toBe(7);
        expect(manifest.playlistType).toBe('VOD');
        expect(manifest.endList).toBe(true);
        expect(manifest.independentSegments).toBe(true);
        expect(manifest.segments).toHaveLength(rendition.segments.length);
        rendition.segments.forEach((segment, i) => {
          const parsed = manifest.segments[i];
          expect(parsed?.duration).toBeCloseTo(segment.duration / rendition.timescale, 6);
          if (addressing === 'byterange') {
            expect(parsed?.uri).toBe(rendition.file);
            expect(parsed?.byterange).toEqual({ offset: segment.offset, length: segment.size });
            expect(parsed?.map).toEqual({
              uri: rendition.file,
              byterange: { offset: rendition.init.offset, length: rendition.init.size },
            });
          } else {
            expect(parsed?.uri).toBe(`${i + 1}.m4s`);
            expect(parsed?.byterange).toBeUndefined();
            expect(parsed?.map).toEqual({ uri: 'init.mp4' });
          }
        });
      },
    );
  });

  it('advertises BANDWIDTH and AVERAGE-BANDWIDTH no lower than measured', () => {
    const text = writeMultivariantPlaylist(description);
    const bandwidths = [...text.matchAll(/[:,]BANDWIDTH=(\d+)/g)].map((m) => Number(m[1]));
    const averages = [...text.matchAll(/AVERAGE-BANDWIDTH=(\d+)/g)].map((m) => Number(m[1]));
    description.renditions.forEach((rendition, i) => {
      expect(bandwidths[i]).toBeGreaterThanOrEqual(rendition.peakBitrate);
      expect(bandwidths[i]).toBeLessThan(rendition.peakBitrate + 1);
      expect(averages[i]).toBeGreaterThanOrEqual(rendition.averageBitrate);
      expect(averages[i]).toBeLessThanOrEqual(bandwidths[i] ?? 0);
    });
  });

  it.each(description.renditions.map((r) => [r.id, r] as const))(
    '%s: EXTINF values add up to the presentation duration within 1 ms',
    (_id, rendition) => {
      const total = extinfValues(writeMediaPlaylist(rendition)).reduce((sum, v) => sum + Number(v), 0);
      expect(Math.abs(total - rendition.duration / rendition.timescale)).toBeLessThan(0.001);
      expect(Math.abs(total - description.duration)).toBeLessThan(0.001);
    },
  );

  it.each(description.renditions.map((r) => [r.id, r] as const))(
    '%s: TARGETDURATION is the smallest value every rounded EXTINF fits under',
    (_id, rendition) => {
      const text = writeMediaPlaylist(rendition);
      const target = Number(tagValue(text, '#EXT-X-TARGETDURATION'));
      const rounded = extinfValues(text).map((v) => Math.round(Number(v)));
      for (const value of rounded) expect(value).toBeLessThanOrEqual(target);
      expect(target).toBe(Math.max(...rounded));
    },
  );
});

describe('writeMediaPlaylist', () => {
  const rendition = firstRendition(cases[0]!.description);

  function withDurations(durations: number[], timescale = 1_000_000): Rendition {
    let time = 0;
    let offset = 1000;
    const segments = durations.map((duration) => {
      const segment = { time, duration, offset, size: 100 };
      time += duration;
      offset += 100;
      return segment;
    });
    return { ...rendition, timescale, duration: time, segments };
  }

  it('rounds TARGETDURATION per RFC 8216 rather than truncating', () => {
    // 6.5 s rounds to 7: a target of 6 would violate the rule.
    expect(tagValue(writeMediaPlaylist(withDurations([6_500_000, 2_000_000])), '#EXT-X-TARGETDURATION')).toBe('7');
    expect(tagValue(writeMediaPlaylist(withDurations([6_400_000, 2_000_000])), '#EXT-X-TARGETDURATION')).toBe('6');
    // 6.4999996 s prints as 6.500000, which a client rounds to 7.
    expect(tagValue(writeMediaPlaylist(withDurations([64_999_996], 10_000_000)), '#EXT-X-TARGETDURATION')).toBe('7');
    expect(targetDuration(['0.200000'])).toBe(1);
  });

  it('defaults to byte-range addressing', () => {
    expect(writeMediaPlaylist(rendition)).toBe(writeMediaPlaylist(rendition, { addressing: 'byterange' }));
    expect(writeMultivariantPlaylist(cases[0]!.description)).toBe(
      writeMultivariantPlaylist(cases[0]!.description, { addressing: 'byterange' }),
    );
  });

  it('ends every line, including the last, with a newline', () => {
    const text = writeMediaPlaylist(rendition);
    expect(text.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
    expect(text).not.toContain('\r');
  });

  it('refuses values that would corrupt the playlist', () => {
    expect(() => writeMediaPlaylist({ ...rendition, file: 'a"b.mp4' })).toThrow(RangeError);
    expect(() => writeMediaPlaylist(withDurations([Number.NaN]))).toThrow(RangeError);
    expect(() =>
      writeMultivariantPlaylist({ ...cases[0]!.description, renditions: [{ ...rendition, peakBitrate: 0 }] }),
    ).toThrow(RangeError);
  });
});

describe('mediaPlaylistUri', () => {
  it('places media playlists beside the file or in a folder per rendition', () => {
    expect(mediaPlaylistUri('aac-160', 'byterange')).toBe('aac-160.m3u8');
    expect(mediaPlaylistUri('flac', 'segments')).toBe('flac/index.m3u8');
  });
});
