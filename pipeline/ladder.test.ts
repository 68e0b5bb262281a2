import { describe, expect, it } from 'vitest';
import {
  FLAC_FRAME_SAMPLES,
  LADDER,
  SUPPORTED_SAMPLE_RATES,
  TARGET_SEGMENT_SECONDS,
  aacSampleRate,
  encodeArguments,
  fragmentLength,
  loudnessArguments,
  renditionSampleRate,
  type RenditionProfile,
} from './ladder.ts';
import type { MasterInfo } from './types.ts';

type Master = Pick<MasterInfo, 'sampleRate' | 'bitDepth' | 'sampleFormat'>;

const AAC_FRAME_SAMPLES = 1024;

function profile(id: RenditionProfile['id']): RenditionProfile {
  const found = LADDER.find((entry) => entry.id === id);
  if (!found) throw new Error(`no ${id} in the ladder`);
  return found;
}

/** The value following an option, or undefined when the option is absent. */
function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

const int16at44: Master = { sampleRate: 44100, bitDepth: 16, sampleFormat: 'int' };
const int24at96: Master = { sampleRate: 96000, bitDepth: 24, sampleFormat: 'int' };
const float32at48: Master = { sampleRate: 48000, bitDepth: 32, sampleFormat: 'float' };

describe('aacSampleRate', () => {
  it.each([
    [44100, 44100],
    [88200, 44100],
    [176400, 44100],
    [48000, 48000],
    [96000, 48000],
    [192000, 48000],
  ])('encodes AAC from a %i Hz master at %i Hz', (master, expected) => {
    expect(aacSampleRate(master)).toBe(expected);
  });

  it('resamples only by an integer factor of 1, 2 or 4', () => {
    for (const rate of SUPPORTED_SAMPLE_RATES) {
      expect([1, 2, 4]).toContain(rate / aacSampleRate(rate));
    }
  });

  it('keeps FLAC at the master rate while AAC follows aacSampleRate', () => {
    for (const rate of SUPPORTED_SAMPLE_RATES) {
      expect(renditionSampleRate(profile('flac'), { sampleRate: rate })).toBe(rate);
      expect(renditionSampleRate(profile('aac-160'), { sampleRate: rate })).toBe(aacSampleRate(rate));
    }
  });
});

describe('fragmentLength', () => {
  it.each([...SUPPORTED_SAMPLE_RATES])('at %i Hz is a whole number of 4096-sample FLAC frames', (rate) => {
    const length = fragmentLength(rate);
    expect(length % FLAC_FRAME_SAMPLES).toBe(0);
    expect(length).toBeGreaterThan(0);
  });

  it.each([...SUPPORTED_SAMPLE_RATES])('at %i Hz lasts within 0.05 s of the 6 s target', (rate) => {
    expect(Math.abs(fragmentLength(rate) / rate - TARGET_SEGMENT_SECONDS)).toBeLessThanOrEqual(0.05);
  });

  it.each([...SUPPORTED_SAMPLE_RATES])('at %i Hz is the multiple of 4096 nearest to 6 s', (rate) => {
    const length = fragmentLength(rate);
    const error = (samples: number): number => Math.abs(samples / rate - TARGET_SEGMENT_SECONDS);
    expect(error(length)).toBeLessThanOrEqual(error(length - FLAC_FRAME_SAMPLES));
    expect(error(length)).toBeLessThanOrEqual(error(length + FLAC_FRAME_SAMPLES));
  });

  it.each([...SUPPORTED_SAMPLE_RATES])(
    'at %i Hz is a whole number of 1024-sample AAC frames after resampling',
    (rate) => {
      const ratio = rate / aacSampleRate(rate);
      const aacLength = fragmentLength(rate) / ratio;
      expect(Number.isInteger(aacLength)).toBe(true);
      expect(aacLength % AAC_FRAME_SAMPLES).toBe(0);
      // Same instant in both renditions.
      expect(aacLength / aacSampleRate(rate)).toBeCloseTo(fragmentLength(rate) / rate, 12);
    },
  );
});

describe('encodeArguments for FLAC', () => {
  const flac = profile('flac');

  it('returns a flat array of strings for an MP4 output with only the first audio stream', () => {
    const args = encodeArguments(flac, int16at44);
    expect(Array.isArray(args)).toBe(true);
    for (const arg of args) expect(typeof arg).toBe('string');
    expect(option(args, '-map')).toBe('0:a:0');
    expect(option(args, '-f')).toBe('mp4');
    expect(option(args, '-c:a')).toBe('flac');
  });

  it('uses fixed 4096-sample frames so fragment boundaries fall on frame boundaries', () => {
    for (const master of [int16at44, int24at96, float32at48]) {
      expect(option(encodeArguments(flac, master), '-frame_size')).toBe('4096');
    }
  });

  it('keeps 16-bit masters at s16', () => {
    expect(option(encodeArguments(flac, int16at44), '-sample_fmt')).toBe('s16');
  });

  it('stores 24-bit masters as s32 (so no bits are lost)', () => {
    expect(option(encodeArguments(flac, int24at96), '-sample_fmt')).toBe('s32');
  });

  it('stores float masters as s32 (24-bit FLAC)', () => {
    expect(option(encodeArguments(flac, float32at48), '-sample_fmt')).toBe('s32');
  });

  it('never resamples and sets no bitrate', () => {
    for (const rate of SUPPORTED_SAMPLE_RATES) {
      const args = encodeArguments(flac, { ...int24at96, sampleRate: rate });
      expect(args).not.toContain('-ar');
      expect(args).not.toContain('-af');
      expect(args).not.toContain('-b:a');
    }
  });
});

describe('encodeArguments for AAC', () => {
  const aacProfiles = LADDER.filter((entry) => entry.codec === 'aac');

  it('is present at 96, 160 and 320 kbit/s', () => {
    expect(aacProfiles.map((entry) => [entry.id, entry.nominalBitrate])).toEqual([
      ['aac-96', 96_000],
      ['aac-160', 160_000],
      ['aac-320', 320_000],
    ]);
  });

  it.each(['aac-96', 'aac-160', 'aac-320'] as const)('%s asks the AAC encoder for its nominal bitrate', (id) => {
    const args = encodeArguments(profile(id), int16at44);
    expect(option(args, '-c:a')).toBe('aac');
    expect(option(args, '-b:a')).toBe(String(profile(id).nominalBitrate));
    expect(option(args, '-map')).toBe('0:a:0');
    expect(option(args, '-f')).toBe('mp4');
    for (const arg of args) expect(typeof arg).toBe('string');
  });

  it.each([44100, 48000])('does not resample a %i Hz master', (rate) => {
    const args = encodeArguments(profile('aac-160'), { ...int16at44, sampleRate: rate });
    expect(args).not.toContain('-ar');
    expect(args).not.toContain('-af');
  });

  it.each([
    [88200, '44100'],
    [176400, '44100'],
    [96000, '48000'],
    [192000, '48000'],
  ])('resamples a %i Hz master to %s Hz', (rate, target) => {
    const args = encodeArguments(profile('aac-96'), { ...int24at96, sampleRate: rate });
    expect(option(args, '-ar')).toBe(target);
    expect(option(args, '-af')).toMatch(/aresample/);
  });

  it('turns intensity and mid/side stereo off at 320k only', () => {
    const at320 = encodeArguments(profile('aac-320'), int16at44);
    expect(option(at320, '-aac_is')).toBe('0');
    expect(option(at320, '-aac_ms')).toBe('0');
    for (const id of ['aac-96', 'aac-160'] as const) {
      const args = encodeArguments(profile(id), int16at44);
      expect(args).not.toContain('-aac_is');
      expect(args).not.toContain('-aac_ms');
    }
  });
});

describe('loudnessArguments', () => {
  it('measures true peak with ebur128 and writes nothing', () => {
    const args = loudnessArguments();
    expect(option(args, '-af')).toMatch(/^ebur128=.*peak=true/);
    expect(option(args, '-f')).toBe('null');
  });
});
