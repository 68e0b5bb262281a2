import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors/cadence-error.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import { type Box, findBox, iterateBoxes } from './box-reader.ts';
import { describeSampleEntry } from './codecs.ts';

/** Encodes one second of a tone with the bundled ffmpeg and returns the MP4's sample entry box. */
function encodedSampleEntry(source: string, codecOptions: string[]): Box {
  const { ffmpegPath } = resolveToolPaths(process.env);
  const result = spawnSync(
    ffmpegPath,
    [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'lavfi', '-i', source,
      ...codecOptions,
      '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1',
    ],
    { maxBuffer: 64 << 20, timeout: 20_000 },
  );
  if (result.status !== 0) throw new Error(`ffmpeg failed: ${result.stderr.toString()}`);
  const moov = [...iterateBoxes(result.stdout)].find((box) => box.type === 'moov');
  const stsd = moov && findBox(moov, 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  if (!stsd) throw new Error('ffmpeg wrote no stsd');
  const [entry] = iterateBoxes(stsd.body, 8); // FullBox header + entry count
  return entry!;
}

/** Re-reads a (possibly patched) sample entry as a standalone box. */
function reread(bytes: Buffer): Box {
  return [...iterateBoxes(Buffer.from(bytes))][0]!;
}

describe('describeSampleEntry on real encoder output', () => {
  const aacStereo = encodedSampleEntry('sine=f=440:d=1:r=44100', ['-ac', '2', '-c:a', 'aac', '-b:a', '128k']);

  it('reports AAC-LC as mp4a.40.2 with its rate and channels', () => {
    const info = describeSampleEntry(aacStereo);
    expect(info).toMatchObject({ format: 'mp4a', codecs: 'mp4a.40.2', channels: 2, sampleRate: 44100, bitDepth: null });
  });

  it('reads mono 48 kHz AAC from the AudioSpecificConfig', () => {
    const info = describeSampleEntry(encodedSampleEntry('sine=f=440:d=1:r=48000', ['-c:a', 'aac', '-b:a', '96k']));
    expect(info).toMatchObject({ codecs: 'mp4a.40.2', channels: 1, sampleRate: 48000 });
  });

  it('keeps the whole sample entry box verbatim, for copying into init segments', () => {
    const info = describeSampleEntry(aacStereo);
    expect(info.raw.length).toBe(aacStereo.size);
    expect(info.raw.readUInt32BE(0)).toBe(aacStereo.size);
    expect(info.raw.toString('latin1', 4, 8)).toBe('mp4a');
    expect(info.raw.subarray(aacStereo.headerSize)).toEqual(aacStereo.body);
  });

  it('reports a 24-bit FLAC (encoded from s32) as fLaC with bit depth 24, even at 96 kHz', () => {
    const info = describeSampleEntry(
      encodedSampleEntry('sine=f=440:d=1:r=96000', ['-c:a', 'flac', '-sample_fmt', 's32', '-strict', '-2']),
    );
    expect(info).toMatchObject({ format: 'fLaC', codecs: 'fLaC', bitDepth: 24, channels: 1, sampleRate: 96000 });
  });

  it('reports a 16-bit stereo FLAC with bit depth 16', () => {
    const info = describeSampleEntry(
      encodedSampleEntry('sine=f=440:d=1:r=44100', ['-ac', '2', '-c:a', 'flac', '-sample_fmt', 's16', '-strict', '-2']),
    );
    expect(info).toMatchObject({ codecs: 'fLaC', bitDepth: 16, channels: 2, sampleRate: 44100 });
  });

  it('names the audio object type from the AudioSpecificConfig (HE-AAC would be mp4a.40.5)', () => {
    const bytes = Buffer.from(describeSampleEntry(aacStereo).raw);
    // AudioSpecificConfig for LC/44.1/stereo is 0x12 0x10; object type 5 with the same rate and channels is 0x2a 0x10.
    const at = bytes.indexOf(Buffer.from([0x05, 0x80, 0x80, 0x80])); // DecoderSpecificInfo tag + size
    expect(at).toBeGreaterThan(0);
    expect(bytes.subarray(at + 5, at + 7)).toEqual(Buffer.from([0x12, 0x10]));
    bytes[at + 5] = 0x2a;
    expect(describeSampleEntry(reread(bytes)).codecs).toBe('mp4a.40.5');
  });

  it('refuses a sample entry it does not know', () => {
    const bytes = Buffer.from(describeSampleEntry(aacStereo).raw);
    bytes.write('ac-3', 4, 'latin1');
    expect(() => describeSampleEntry(reread(bytes))).toThrow(MediaError);
    expect(() => describeSampleEntry(reread(bytes))).toThrow(/ac-3/);
  });

  it('refuses an mp4a entry without esds', () => {
    const bytes = Buffer.from(describeSampleEntry(aacStereo).raw);
    const at = bytes.indexOf('esds', 0, 'latin1');
    bytes.write('free', at, 'latin1');
    expect(() => describeSampleEntry(reread(bytes))).toThrow(/no esds/);
  });
});
