import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Box, fullBox, iterateBoxes, requireBox } from '../manifests/box-reader.ts';
import { parseTrack } from '../manifests/track-info.ts';
import { MDAT_HEADER_SIZE, box, buildInitSegment, buildMoof, buildSidx, mdatHeader } from './cmaf-boxes.ts';
import { resolveToolPaths } from './tool-paths.ts';

let flacEntry: Buffer;

beforeAll(() => {
  // A real fLaC sample entry from the bundled ffmpeg (24-bit, 48 kHz stereo).
  const { ffmpegPath } = resolveToolPaths(process.env);
  const result = spawnSync(
    ffmpegPath,
    [
      '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=f=440:d=1:r=48000', '-ac', '2',
      '-c:a', 'flac', '-sample_fmt', 's32', '-strict', '-2',
      '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1',
    ],
    { maxBuffer: 64 << 20, timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  const moov = [...iterateBoxes(result.stdout)].find((entry) => entry.type === 'moov')!;
  flacEntry = Buffer.from(parseTrack(moov).sampleEntry.raw);
});

function only(buffer: Buffer): Box {
  const boxes = [...iterateBoxes(buffer)];
  expect(boxes).toHaveLength(1);
  return boxes[0]!;
}

describe('box', () => {
  it('writes a size-prefixed box around its parts', () => {
    const written = box('free', Buffer.from([1, 2]), Buffer.from([3]));
    expect(written).toEqual(Buffer.from([0, 0, 0, 11, 0x66, 0x72, 0x65, 0x65, 1, 2, 3]));
  });
});

describe('buildInitSegment', () => {
  const init = (): Buffer =>
    buildInitSegment({ timescale: 48000, sampleEntry: flacEntry, priming: 0, presentedSamples: 480_000, mediaDuration: 480_000 });

  it('is an ftyp followed by a moov and nothing else', () => {
    expect([...iterateBoxes(init())].map((entry) => entry.type)).toEqual(['ftyp', 'moov']);
  });

  it('declares a CMAF-compatible brand', () => {
    const ftyp = [...iterateBoxes(init())][0]!;
    expect(ftyp.body.toString('latin1', 0, 4)).toBe('iso6');
    expect(ftyp.body.toString('latin1', 8)).toMatch(/dash/);
  });

  it('carries the encoder’s sample entry byte for byte', () => {
    const moov = [...iterateBoxes(init())][1]!;
    const track = parseTrack(moov);
    expect(track.sampleEntry.raw).toEqual(flacEntry);
    expect(track.sampleEntry).toMatchObject({ codecs: 'fLaC', bitDepth: 24, channels: 2, sampleRate: 48000 });
  });

  it('uses one timescale for movie and media, and an edit list that skips the priming and trims the padding', () => {
    const moov = [...iterateBoxes(
      buildInitSegment({ timescale: 44100, sampleEntry: flacEntry, priming: 1024, presentedSamples: 441_000, mediaDuration: 443_392 }),
    )][1]!;
    const track = parseTrack(moov);
    expect(track.timescale).toBe(44100);
    expect(track.movieTimescale).toBe(44100);
    expect(track.edit).toEqual({ mediaTime: 1024, segmentDuration: 441_000 });
    expect(track.mediaDuration).toBe(0); // fragmented: samples live in the moofs
  });

  it('declares the whole media duration in mehd and track 1 in trex', () => {
    const moov = [...iterateBoxes(
      buildInitSegment({ timescale: 44100, sampleEntry: flacEntry, priming: 1024, presentedSamples: 441_000, mediaDuration: 443_392 }),
    )][1]!;
    const mehd = fullBox(requireBox(moov, 'mvex', 'mehd'));
    expect(mehd.version === 1 ? mehd.reader.u64() : mehd.reader.u32()).toBe(443_392);
    const trex = fullBox(requireBox(moov, 'mvex', 'trex')).reader;
    expect(trex.u32()).toBe(1); // track_ID
    expect(trex.u32()).toBe(1); // sample description index
  });

  it('has empty sample tables (all samples are in fragments)', () => {
    const moov = [...iterateBoxes(init())][1]!;
    const stbl = requireBox(moov, 'trak', 'mdia', 'minf', 'stbl');
    expect(fullBox(requireBox(stbl, 'stts')).reader.u32()).toBe(0);
    expect(fullBox(requireBox(stbl, 'stco')).reader.u32()).toBe(0);
  });
});

describe('buildMoof', () => {
  it('puts a uniform duration in tfhd and only sizes in trun', () => {
    const moof = only(buildMoof({ sequenceNumber: 3, baseMediaDecodeTime: 9216, sizes: [10, 11, 12], durations: [1024, 1024, 1024] }));
    expect(fullBox(requireBox(moof, 'mfhd')).reader.u32()).toBe(3);
    const tfhd = fullBox(requireBox(moof, 'traf', 'tfhd'));
    expect(tfhd.flags & 0x020000).toBeTruthy(); // default-base-is-moof
    expect(tfhd.flags & 0x08).toBeTruthy();
    expect(tfhd.reader.u32()).toBe(1);
    expect(tfhd.reader.u32()).toBe(1024);
    const tfdt = fullBox(requireBox(moof, 'traf', 'tfdt'));
    expect(tfdt.version === 1 ? tfdt.reader.u64() : tfdt.reader.u32()).toBe(9216);
    const trun = fullBox(requireBox(moof, 'traf', 'trun'));
    expect(trun.flags & 0x100).toBe(0);
    expect(trun.reader.u32()).toBe(3);
    trun.reader.skip(4);
    expect([trun.reader.u32(), trun.reader.u32(), trun.reader.u32()]).toEqual([10, 11, 12]);
    expect(trun.reader.remaining).toBe(0);
  });

  it('lists per-sample durations when they differ (a short last frame)', () => {
    const moof = only(buildMoof({ sequenceNumber: 1, baseMediaDecodeTime: 0, sizes: [10, 20], durations: [4096, 2816] }));
    expect(fullBox(requireBox(moof, 'traf', 'tfhd')).flags & 0x08).toBe(0);
    const trun = fullBox(requireBox(moof, 'traf', 'trun'));
    expect(trun.flags & 0x300).toBe(0x300);
    expect(trun.reader.u32()).toBe(2);
    trun.reader.skip(4);
    expect([trun.reader.u32(), trun.reader.u32(), trun.reader.u32(), trun.reader.u32()]).toEqual([4096, 10, 2816, 20]);
  });

  it('points the trun data offset at the first payload byte after the following mdat header', () => {
    const moofBytes = buildMoof({ sequenceNumber: 1, baseMediaDecodeTime: 0, sizes: [3, 4], durations: [1024, 1024] });
    const payload = Buffer.from([1, 1, 1, 2, 2, 2, 2]);
    const fragment = Buffer.concat([moofBytes, mdatHeader(payload.length), payload]);
    const trun = fullBox(requireBox(only(moofBytes), 'traf', 'trun'));
    trun.reader.skip(4);
    const dataOffset = trun.reader.u32();
    expect(dataOffset).toBe(moofBytes.length + MDAT_HEADER_SIZE);
    expect(fragment.subarray(dataOffset, dataOffset + 3)).toEqual(Buffer.from([1, 1, 1]));
  });
});

describe('mdatHeader', () => {
  it('makes an mdat box that holds exactly the payload', () => {
    const payload = Buffer.alloc(1234, 5);
    const mdat = only(Buffer.concat([mdatHeader(payload.length), payload]));
    expect(mdat.type).toBe('mdat');
    expect(mdat.body).toEqual(payload);
  });
});

describe('buildSidx', () => {
  it('indexes each fragment’s size and presented duration, starting right after itself', () => {
    const sidx = only(buildSidx(44100, [{ size: 5000, duration: 266_240 }, { size: 1200, duration: 100_000 }]));
    const { version, reader } = fullBox(sidx);
    expect(version).toBe(1);
    expect(reader.u32()).toBe(1); // reference_ID
    expect(reader.u32()).toBe(44100);
    expect(reader.u64()).toBe(0); // earliest presentation time
    expect(reader.u64()).toBe(0); // first offset: fragments follow the sidx
    reader.skip(2);
    expect(reader.u16()).toBe(2);
    const entries = [0, 1].map(() => [reader.u32(), reader.u32(), reader.u32()]);
    expect(entries).toEqual([
      [5000, 266_240, 0x90000000],
      [1200, 100_000, 0x90000000],
    ]);
    expect(reader.remaining).toBe(0);
  });

  it('marks references as media, not nested sidx', () => {
    const sidx = only(buildSidx(48000, [{ size: 0x7fffffff, duration: 1 }]));
    const entry = sidx.body.subarray(sidx.body.length - 12);
    expect(entry.readUInt32BE(0) & 0x80000000).toBe(0);
  });

  it('holds no references when there are no fragments', () => {
    const sidx = only(buildSidx(48000, []));
    const { reader } = fullBox(sidx);
    reader.skip(4 + 4 + 16 + 2);
    expect(reader.u16()).toBe(0);
    expect(reader.remaining).toBe(0);
  });
});
