import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  expandTimeline,
  isoDuration,
  segmentTimeline,
  writeMpd,
  type TimelineEntry,
} from './dash-writer.ts';
import type { Addressing, MediaDescription, Rendition, Segment } from './types.ts';

const manifestsDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(manifestsDir, '..');
const schema = path.resolve(repoRoot, '..', 'shared', 'schema', 'dash', 'DASH-MPD.xsd');
const testdata = path.join(manifestsDir, 'testdata');
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

function expectSchemaValid(mpd: string): void {
  const result = spawnSync('xmllint', ['--noout', '--schema', schema, '-'], { input: mpd, encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run xmllint: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`MPD fails ${path.basename(schema)}:\n${result.stderr}`);
}

// The writer emits one element per line with double-quoted attributes, so light regexes suffice.
function attributesOf(tag: string): Record<string, string> {
  const unescape = (v: string) =>
    v.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '');
  return Object.fromEntries([...tag.matchAll(/([\w:]+)="([^"]*)"/g)].map((m) => [m[1], unescape(m[2] ?? '')]));
}

function elements(xml: string, name: string): Array<Record<string, string>> {
  return [...xml.matchAll(new RegExp(`<${name}(\\s[^>]*)?/?>`, 'g'))].map((m) => attributesOf(m[0]));
}

/** The XML of each Representation, keyed by id. */
function representations(mpd: string): Map<string, string> {
  const blocks = [...mpd.matchAll(/<Representation\s[^>]*>[\s\S]*?<\/Representation>/g)].map((m) => m[0]);
  return new Map(blocks.map((block) => [attributesOf(block.slice(0, block.indexOf('>'))).id ?? '', block]));
}

function inclusive({ offset, size }: { offset: number; size: number }): string {
  return `${offset}-${offset + size - 1}`;
}

function contiguous(durations: number[], start = 0): Segment[] {
  let time = start;
  return durations.map((duration) => {
    const segment = { time, duration, offset: 0, size: 1 };
    time += duration;
    return segment;
  });
}

it('finds the golden cases', () => {
  expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['stereo-44k', 'hires-96k']));
});

describe.each(cases)('$name', ({ name, description }) => {
  describe.each(addressings)('%s addressing', (addressing) => {
    const mpd = writeMpd(description, { addressing });
    const byId = representations(mpd);

    it('writes the MPD of the golden file', () => {
      const dir = addressing === 'segments' ? path.join(testdata, name, 'segments') : path.join(testdata, name);
      expectGolden(path.join(dir, 'manifest.mpd'), mpd);
    });

    it('validates against the DASH MPD schema', () => {
      expectSchemaValid(mpd);
    });

    it('describes a static presentation of the right length and profile', () => {
      const [root] = elements(mpd, 'MPD');
      expect(root?.type).toBe('static');
      expect(root?.mediaPresentationDuration).toBe(isoDuration(description.duration));
      expect(root?.profiles).toBe(
        addressing === 'byterange'
          ? 'urn:mpeg:dash:profile:isoff-on-demand:2011'
          : 'urn:mpeg:dash:profile:isoff-live:2011',
      );
    });

    it('puts AAC and FLAC in one adaptation set each', () => {
      const sets = elements(mpd, 'AdaptationSet');
      expect(sets.map((s) => s.codecs)).toEqual(['mp4a.40.2', 'fLaC']);
      for (const set of sets) {
        expect(set).toMatchObject({ contentType: 'audio', mimeType: 'audio/mp4' });
        if (addressing === 'byterange') expect(set).toMatchObject({ subsegmentAlignment: 'true', subsegmentStartsWithSAP: '1' });
        else expect(set.segmentAlignment).toBe('true');
      }
      expect(elements(mpd, 'AudioChannelConfiguration').map((c) => c.value)).toEqual(['2', '2']);
    });

    it('lists every rendition with bandwidth no lower than its measured peak', () => {
      expect([...byId.keys()]).toEqual(description.renditions.map((r) => r.id));
      for (const rendition of description.renditions) {
        const [representation] = elements(byId.get(rendition.id) ?? '', 'Representation');
        expect(Number(representation?.bandwidth)).toBeGreaterThanOrEqual(rendition.peakBitrate);
        expect(Number(representation?.bandwidth)).toBeLessThan(rendition.peakBitrate + 1);
        expect(Number(representation?.audioSamplingRate)).toBe(rendition.sampleRate);
      }
    });

    it('addresses the media as described', () => {
      for (const rendition of description.renditions) {
        const block = byId.get(rendition.id) ?? '';
        if (addressing === 'byterange') {
          expect(block).toContain(`<BaseURL>${escapeXml(rendition.file)}</BaseURL>`);
          expect(elements(block, 'SegmentBase')[0]).toEqual({
            timescale: String(rendition.timescale),
            indexRange: inclusive(rendition.index),
            indexRangeExact: 'true',
          });
          expect(elements(block, 'Initialization')[0]).toEqual({ range: inclusive(rendition.init) });
        } else {
          expect(elements(block, 'SegmentTemplate')[0]).toEqual({
            timescale: String(rendition.timescale),
            initialization: '$RepresentationID$/init.mp4',
            media: '$RepresentationID$/$Number$.m4s',
            startNumber: '1',
          });
          const entries: TimelineEntry[] = elements(block, 'S').map((s) => ({
            ...(s.t === undefined ? {} : { t: Number(s.t) }),
            d: Number(s.d),
            r: Number(s.r ?? 0),
          }));
          // Run-length: equal consecutive durations collapse, so 4 segments need only 2 entries.
          expect(entries.length).toBeLessThan(rendition.segments.length);
          expect(expandTimeline(entries)).toEqual(rendition.segments.map(({ time, duration }) => ({ time, duration })));
          const total = entries.reduce((sum, e) => sum + e.d * (e.r + 1), 0) / rendition.timescale;
          expect(Math.abs(total - description.duration)).toBeLessThan(0.001);
        }
      }
    });
  });
});

describe('writeMpd', () => {
  const base = cases.find((c) => c.name === 'stereo-44k')?.description ?? cases[0]!.description;

  it('defaults to byte-range addressing', () => {
    expect(writeMpd(base)).toBe(writeMpd(base, { addressing: 'byterange' }));
  });

  it.each(addressings)('omits the FLAC adaptation set when there is no FLAC rendition (%s)', (addressing) => {
    const aacOnly = { ...base, renditions: base.renditions.filter((r) => r.codec === 'aac') };
    const mpd = writeMpd(aacOnly, { addressing });
    expect(elements(mpd, 'AdaptationSet')).toHaveLength(1);
    expect(mpd).not.toContain('fLaC');
    expectSchemaValid(mpd);
  });

  it.each(addressings)('moves differing channel counts and codecs onto representations (%s)', (addressing) => {
    const [first, ...rest] = base.renditions as [Rendition, ...Rendition[]];
    const mixed = { ...base, renditions: [{ ...first, channels: 1, codecs: 'mp4a.40.5' }, ...rest] };
    const mpd = writeMpd(mixed, { addressing });
    expectSchemaValid(mpd);
    const block = representations(mpd).get(first.id) ?? '';
    expect(elements(block, 'Representation')[0]?.codecs).toBe('mp4a.40.5');
    expect(elements(block, 'AudioChannelConfiguration')[0]?.value).toBe('1');
  });

  it('escapes XML in file names and still validates', () => {
    const [first, ...rest] = base.renditions as [Rendition, ...Rendition[]];
    const odd = { ...base, renditions: [{ ...first, file: 'a&b<c>.mp4' }, ...rest] };
    const mpd = writeMpd(odd);
    expect(mpd).toContain('<BaseURL>a&amp;b&lt;c&gt;.mp4</BaseURL>');
    expectSchemaValid(mpd);
  });
});

describe('segmentTimeline', () => {
  it('run-length encodes equal consecutive durations and round-trips', () => {
    const segments = contiguous([100, 100, 100, 50, 100, 100, 30], 1000);
    const entries = segmentTimeline(segments);
    expect(entries).toEqual([
      { t: 1000, d: 100, r: 2 },
      { d: 50, r: 0 },
      { d: 100, r: 1 },
      { d: 30, r: 0 },
    ]);
    expect(expandTimeline(entries)).toEqual(segments.map(({ time, duration }) => ({ time, duration })));
  });

  it('returns no entries for no segments', () => {
    expect(segmentTimeline([])).toEqual([]);
  });

  it('refuses gaps that a timeline without t cannot express', () => {
    const [a, b] = contiguous([100, 100]) as [Segment, Segment];
    expect(() => segmentTimeline([a, { ...b, time: b.time + 1 }])).toThrow(RangeError);
  });
});

describe('isoDuration', () => {
  it.each([
    [0, 'PT0.000S'],
    [20.5, 'PT20.500S'],
    [22.916666666666668, 'PT22.917S'],
    [240, 'PT4M0.000S'],
    [59.9996, 'PT1M0.000S'],
    [3723.25, 'PT1H2M3.250S'],
  ])('%s s -> %s', (seconds, expected) => {
    expect(isoDuration(seconds)).toBe(expected);
  });

  it('refuses negative and non-finite durations', () => {
    expect(() => isoDuration(-1)).toThrow(RangeError);
    expect(() => isoDuration(Number.NaN)).toThrow(RangeError);
  });
});
