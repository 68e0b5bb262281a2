import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../errors/cadence-error.ts';
import { buildInitSegment, buildMoof, buildSidx, mdatHeader, type IndexReference } from '../pipeline/cmaf-boxes.ts';
import { planFragments } from '../pipeline/fragmenter.ts';
import { fragmentLength } from '../pipeline/ladder.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import { type TopLevelBox, findBox, iterateBoxes } from './box-reader.ts';
import { describeRendition, type DescribeRenditionOptions } from './describe.ts';
import { parseTrack } from './track-info.ts';

/** A real sample entry: one second of a tone through the bundled ffmpeg, read back with parseTrack. */
function realSampleEntry(source: string, codecOptions: string[]): Buffer {
  const { ffmpegPath } = resolveToolPaths(process.env);
  const result = spawnSync(
    ffmpegPath,
    [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, ...codecOptions,
      '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1',
    ],
    { maxBuffer: 64 << 20, timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  const moov = [...iterateBoxes(result.stdout)].find((box) => box.type === 'moov');
  if (!moov) throw new Error('ffmpeg wrote no moov');
  return Buffer.from(parseTrack(moov).sampleEntry.raw);
}

interface Stream {
  sampleEntry: Buffer;
  timescale: number;
  priming: number;
  presentedSamples: number;
  fragmentLength: number;
  durations: number[];
}

interface Packaged {
  init: Buffer;
  sidx: Buffer;
  /** moof, mdat header + payload for each fragment. */
  fragments: Array<{ moof: Buffer; mdat: Buffer }>;
  references: IndexReference[];
}

/** Packages a stream the way fragmentFile does, with fake payload bytes. */
function packageStream(stream: Stream): Packaged {
  const { sampleEntry, timescale, priming, presentedSamples, durations } = stream;
  const sizes = durations.map((_, i) => 9 + (i % 5));
  const plan = planFragments({ durations, priming, presentedSamples, fragmentLength: stream.fragmentLength });
  const fragments = plan.map((fragment, i) => {
    const end = fragment.firstSample + fragment.sampleCount;
    const sampleSizes = sizes.slice(fragment.firstSample, end);
    const payload = Buffer.alloc(sampleSizes.reduce((sum, size) => sum + size, 0), i + 1);
    const moof = buildMoof({
      sequenceNumber: i + 1,
      baseMediaDecodeTime: fragment.baseMediaDecodeTime,
      sizes: sampleSizes,
      durations: durations.slice(fragment.firstSample, end),
    });
    return { moof, mdat: Buffer.concat([mdatHeader(payload.length), payload]) };
  });
  const references = plan.map((fragment, i) => ({
    size: fragments[i]!.moof.length + fragments[i]!.mdat.length,
    duration: fragment.presentationDuration,
  }));
  const init = buildInitSegment({
    timescale,
    sampleEntry,
    priming,
    presentedSamples,
    mediaDuration: durations.reduce((sum, duration) => sum + duration, 0),
  });
  return { init, sidx: buildSidx(timescale, references), fragments, references };
}

function fileOf(packaged: Packaged): Buffer {
  return Buffer.concat([packaged.init, packaged.sidx, ...packaged.fragments.flatMap(({ moof, mdat }) => [moof, mdat])]);
}

/** What readTopLevelBoxes returns for the file: every box located, ftyp/moov/sidx/moof loaded. */
function topLevel(file: Buffer): TopLevelBox[] {
  const load = new Set(['ftyp', 'moov', 'sidx', 'moof']);
  return [...iterateBoxes(file)].map((box) => ({
    type: box.type,
    offset: box.offset,
    size: box.size,
    ...(load.has(box.type) ? { box } : {}),
  }));
}

function options(file: Buffer, overrides: Partial<DescribeRenditionOptions> = {}): DescribeRenditionOptions {
  return {
    id: 'aac-160',
    file: 'aac-160.mp4',
    fileSize: file.length,
    nominalBitrate: 160_000,
    segmentDuration: fragmentLength(44100) / 44100,
    boxes: topLevel(file),
    ...overrides,
  };
}

const AAC_PRIMING = 1024;
let aacEntry: Buffer;
let flacEntry: Buffer;

beforeAll(() => {
  aacEntry = realSampleEntry('sine=f=440:d=1:r=44100', ['-ac', '2', '-c:a', 'aac', '-b:a', '160k']);
  flacEntry = realSampleEntry('sine=f=440:d=1:r=96000', ['-c:a', 'flac', '-sample_fmt', 's32', '-strict', '-2']);
});

/** 2 full fragments and a 100000-sample tail at 44.1 kHz, with AAC priming and padding frames. */
function aacStream(): Stream {
  const length = fragmentLength(44100); // 266240
  const presentedSamples = 2 * length + 100_000;
  const frames = Math.ceil((AAC_PRIMING + presentedSamples) / 1024) + 1;
  return {
    sampleEntry: aacEntry,
    timescale: 44100,
    priming: AAC_PRIMING,
    presentedSamples,
    fragmentLength: length,
    durations: new Array<number>(frames).fill(1024),
  };
}

/** 13 s at 96 kHz in 4096-sample FLAC frames, the last one shorter. */
function flacStream(): Stream {
  const presentedSamples = 96000 * 13;
  const durations = new Array<number>(Math.floor(presentedSamples / 4096)).fill(4096);
  durations.push(presentedSamples % 4096);
  return {
    sampleEntry: flacEntry,
    timescale: 96000,
    priming: 0,
    presentedSamples,
    fragmentLength: fragmentLength(96000),
    durations,
  };
}

describe('describeRendition on an AAC rendition', () => {
  it('reports the init and index byte ranges', () => {
    const packaged = packageStream(aacStream());
    const rendition = describeRendition(options(fileOf(packaged)));
    expect(rendition.init).toEqual({ offset: 0, size: packaged.init.length });
    expect(rendition.index).toEqual({ offset: packaged.init.length, size: packaged.sidx.length });
  });

  it('reports every segment at its byte offset with presentation times, priming subtracted', () => {
    const stream = aacStream();
    const packaged = packageStream(stream);
    const rendition = describeRendition(options(fileOf(packaged)));
    let offset = packaged.init.length + packaged.sidx.length;
    const expected = packaged.fragments.map(({ moof, mdat }, i) => {
      const segment = {
        offset,
        size: moof.length + mdat.length,
        time: i * stream.fragmentLength,
        duration: Math.min(stream.fragmentLength, stream.presentedSamples - i * stream.fragmentLength),
      };
      offset += segment.size;
      return segment;
    });
    expect(rendition.segments).toEqual(expected);
    expect(rendition.segments.map((segment) => segment.duration)).toEqual([266_240, 266_240, 100_000]);
  });

  it('trims the last segment to the edit list, so durations add up to the programme', () => {
    const stream = aacStream();
    const rendition = describeRendition(options(fileOf(packageStream(stream))));
    const media = stream.durations.length * 1024;
    expect(media - AAC_PRIMING).toBeGreaterThan(stream.presentedSamples); // there is padding to trim
    expect(rendition.duration).toBe(stream.presentedSamples);
    expect(rendition.segments.reduce((sum, segment) => sum + segment.duration, 0)).toBe(stream.presentedSamples);
    expect(rendition.priming).toBe(AAC_PRIMING);
  });

  it('reports codec, CODECS string, channels, rate and the options passed in', () => {
    const file = fileOf(packageStream(aacStream()));
    const rendition = describeRendition(options(file));
    expect(rendition).toMatchObject({
      id: 'aac-160',
      codec: 'aac',
      codecs: 'mp4a.40.2',
      file: 'aac-160.mp4',
      fileSize: file.length,
      sampleRate: 44100,
      channels: 2,
      bitDepth: null,
      timescale: 44100,
      nominalBitrate: 160_000,
    });
  });

  it('measures the average bitrate over moof + mdat bytes and a peak at least as high', () => {
    const stream = aacStream();
    const packaged = packageStream(stream);
    const rendition = describeRendition(options(fileOf(packaged)));
    const bytes = packaged.references.reduce((sum, reference) => sum + reference.size, 0);
    expect(rendition.averageBitrate).toBe(Math.ceil((bytes * 8) / (stream.presentedSamples / 44100)));
    expect(rendition.peakBitrate).toBeGreaterThanOrEqual(rendition.averageBitrate);
  });
});

describe('describeRendition on a FLAC rendition', () => {
  it('reads 24-bit 96 kHz FLAC with no priming and a short last frame', () => {
    const stream = flacStream();
    const packaged = packageStream(stream);
    const rendition = describeRendition(
      options(fileOf(packaged), { id: 'flac', file: 'flac.mp4', nominalBitrate: null, segmentDuration: stream.fragmentLength / 96000 }),
    );
    expect(rendition).toMatchObject({
      codec: 'flac',
      codecs: 'fLaC',
      sampleRate: 96000,
      channels: 1,
      bitDepth: 24,
      timescale: 96000,
      priming: 0,
      duration: 96000 * 13,
      nominalBitrate: null,
    });
    expect(rendition.segments.map(({ time, duration }) => [time, duration])).toEqual([
      [0, 577_536],
      [577_536, 577_536],
      [1_155_072, 92_928],
    ]);
  });
});

describe('describeRendition refuses files it cannot trust', () => {
  function expectMediaError(run: () => unknown, message: RegExp): void {
    expect(run).toThrow(MediaError);
    expect(run).toThrow(message);
  }

  it('refuses a sidx whose duration disagrees with its fragment', () => {
    const packaged = packageStream(aacStream());
    const references = packaged.references.map((reference, i) => (i === 1 ? { ...reference, duration: reference.duration - 1024 } : reference));
    const file = fileOf({ ...packaged, sidx: buildSidx(44100, references) });
    expectMediaError(() => describeRendition(options(file)), /sidx entry 1 disagrees/);
  });

  it('refuses a sidx whose size disagrees with its fragment', () => {
    const packaged = packageStream(aacStream());
    const references = packaged.references.map((reference, i) => (i === 2 ? { ...reference, size: reference.size + 1 } : reference));
    const file = fileOf({ ...packaged, sidx: buildSidx(44100, references) });
    expectMediaError(() => describeRendition(options(file)), /sidx entry 2 disagrees/);
  });

  it('refuses a sidx that lists a different number of fragments', () => {
    const packaged = packageStream(aacStream());
    const file = fileOf({ ...packaged, sidx: buildSidx(44100, packaged.references.slice(0, 2)) });
    expectMediaError(() => describeRendition(options(file)), /sidx lists 2 fragments, file has 3/);
  });

  it('refuses a moof that is not followed by its mdat', () => {
    const packaged = packageStream(aacStream());
    const free = Buffer.from([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65]);
    const fragments = packaged.fragments.map((fragment, i) => (i === 1 ? { moof: fragment.moof, mdat: Buffer.concat([free, fragment.mdat]) } : fragment));
    const file = fileOf({ ...packaged, fragments });
    const secondMoof = packaged.init.length + packaged.sidx.length + packaged.references[0]!.size;
    expectMediaError(() => describeRendition(options(file)), new RegExp(`moof at ${secondMoof} is not followed by mdat`));
  });

  it('refuses a file whose last box is cut short before it is even described', () => {
    const file = fileOf(packageStream(aacStream()));
    expectMediaError(() => topLevel(file.subarray(0, file.length - 3)), /mdat at \d+ overruns/);
  });

  it('refuses a moof whose trun claims more samples than it holds', () => {
    const packaged = packageStream(aacStream());
    const file = fileOf(packaged);
    const boxes = topLevel(file);
    const trun = findBox(boxes.find((entry) => entry.type === 'moof')!.box!, 'traf', 'trun')!;
    trun.body.writeUInt32BE(trun.body.readUInt32BE(4) + 10, 4); // sample_count
    expectMediaError(() => describeRendition({ ...options(file), boxes }), /ends early/);
  });

  it('refuses a file without a sidx, or whose moof was not loaded', () => {
    const file = fileOf(packageStream(aacStream()));
    const boxes = topLevel(file);
    expectMediaError(() => describeRendition({ ...options(file), boxes: boxes.filter((entry) => entry.type !== 'sidx') }), /ftyp, moov and sidx/);
    const unloaded = boxes.map((entry) => (entry.type === 'moof' ? { type: entry.type, offset: entry.offset, size: entry.size } : entry));
    expectMediaError(() => describeRendition({ ...options(file), boxes: unloaded }), /moof at \d+ was not loaded/);
  });

  it('refuses fragments that do not start right after the sidx', () => {
    const packaged = packageStream(aacStream());
    const free = Buffer.from([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65]);
    const file = fileOf({ ...packaged, sidx: Buffer.concat([packaged.sidx, free]) });
    expectMediaError(() => describeRendition(options(file)), /first fragment does not follow the sidx/);
  });

  it('refuses a file with no fragments', () => {
    const packaged = packageStream(aacStream());
    const file = fileOf({ ...packaged, fragments: [] });
    expectMediaError(() => describeRendition(options(file)), /no fragments/);
  });
});
