import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { loudnessArguments } from './ladder.ts';
import { parseLoudnessSummary } from './loudness.ts';
import { resolveToolPaths } from './tool-paths.ts';

// stderr of `ffmpeg -hide_banner -f lavfi -i sine=f=440:d=5 -af ebur128=peak=true:framelog=verbose -f null -`
const SINE_STDERR = `Input #0, lavfi, from 'sine=f=440:d=5':
  Duration: N/A, start: 0.000000, bitrate: 705 kb/s
    Stream #0:0: Audio: pcm_s16le, 44100 Hz, mono, s16, 705 kb/s
Stream mapping:
  Stream #0:0 -> #0:0 (pcm_s16le (native) -> pcm_s16le (native))
Press [q] to stop, [?] for help
Output #0, null, to 'pipe:':
  Metadata:
    encoder         : Lavf58.24.100
    Stream #0:0: Audio: pcm_s16le, 48000 Hz, mono, s16, 768 kb/s
    Metadata:
      encoder         : Lavc58.42.100 pcm_s16le
[Parsed_sine_0 @ 0x1db05200] EOF timestamp not reliable
size=N/A time=00:00:05.00 bitrate=N/A speed= 284x    
video:0kB audio:469kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown
[Parsed_ebur128_0 @ 0x1db1ce40] Summary:

  Integrated loudness:
    I:         -21.8 LUFS
    Threshold: -31.8 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold: -41.8 LUFS
    LRA low:   -21.8 LUFS
    LRA high:  -21.8 LUFS

  True peak:
    Peak:      -18.1 dBFS
`;

// The same filter on digital silence (anullsrc).
const SILENCE_SUMMARY = `[Parsed_ebur128_0 @ 0x15bdfc80] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  True peak:
    Peak:       -inf dBFS`;

// framelog=info prints one line per 100 ms before the summary; their running values must not leak in.
const FRAME_LINES = [
  '[Parsed_ebur128_0 @ 0x14c50e40] t: 0.0999792  TARGET:-23 LUFS    M:-120.7 S:-120.7     I: -70.0 LUFS       LRA:   0.0 LU  FTPK: -18.1 dBFS  TPK: -18.1 dBFS',
  '[Parsed_ebur128_0 @ 0x14c50e40] t: 0.199979   TARGET:-23 LUFS    M:-120.7 S:-120.7     I: -70.0 LUFS       LRA:   0.0 LU  FTPK: -18.1 dBFS  TPK: -18.1 dBFS',
].join('\n');

const LOUD_SUMMARY = `[Parsed_ebur128_0 @ 0x303d8e40] Summary:

  Integrated loudness:
    I:          -6.4 LUFS
    Threshold: -16.4 LUFS

  Loudness range:
    LRA:        20.0 LU
    Threshold: -26.4 LUFS
    LRA low:   -41.1 LUFS
    LRA high:  -21.1 LUFS

  True peak:
    Peak:        0.8 dBFS
`;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CadenceError ? error.code : 'not a CadenceError';
  }
  return undefined;
}

describe('parseLoudnessSummary', () => {
  it('reads integrated loudness, range and true peak from a real ebur128 summary', () => {
    expect(parseLoudnessSummary(SINE_STDERR)).toEqual({ integrated: -21.8, range: 0, truePeak: -18.1 });
  });

  it('reads positive peaks and wide ranges', () => {
    expect(parseLoudnessSummary(LOUD_SUMMARY)).toEqual({ integrated: -6.4, range: 20, truePeak: 0.8 });
  });

  it('takes the summary values, not the running values of per-frame log lines', () => {
    const stderr = `${FRAME_LINES}\n${LOUD_SUMMARY}`;
    expect(parseLoudnessSummary(stderr)).toEqual({ integrated: -6.4, range: 20, truePeak: 0.8 });
  });

  it('reports digital silence as no integrated loudness and no true peak', () => {
    expect(parseLoudnessSummary(SILENCE_SUMMARY)).toEqual({ integrated: null, range: 0, truePeak: null });
  });

  it('treats anything at or below the -70 LUFS gate as no integrated loudness', () => {
    const gated = LOUD_SUMMARY.replace('I:          -6.4 LUFS', 'I:         -70.0 LUFS');
    expect(parseLoudnessSummary(gated).integrated).toBeNull();
    const justAbove = LOUD_SUMMARY.replace('I:          -6.4 LUFS', 'I:         -69.9 LUFS');
    expect(parseLoudnessSummary(justAbove).integrated).toBe(-69.9);
  });

  it('refuses stderr without a summary (ffmpeg stopped early) with an FFMPEG error', () => {
    const withoutSummary = SINE_STDERR.slice(0, SINE_STDERR.indexOf('[Parsed_ebur128_0'));
    expect(() => parseLoudnessSummary(withoutSummary)).toThrow(/no ebur128 summary/);
    expect(codeOf(() => parseLoudnessSummary(withoutSummary))).toBe('FFMPEG');
    expect(codeOf(() => parseLoudnessSummary(FRAME_LINES))).toBe('FFMPEG');
    expect(codeOf(() => parseLoudnessSummary(''))).toBe('FFMPEG');
  });

  it('refuses a summary that is missing a value, naming it', () => {
    const noPeak = SINE_STDERR.replace(/ {4}Peak:.*\n/, '');
    expect(() => parseLoudnessSummary(noPeak)).toThrow(/Peak/);
    expect(codeOf(() => parseLoudnessSummary(noPeak))).toBe('FFMPEG');
  });

  it('parses what the bundled ffmpeg prints for the pipeline’s own loudness arguments', () => {
    const { ffmpegPath } = resolveToolPaths(process.env);
    // 6 s of a full-scale-minus-18 dB tone, then 6 s at -20 dB: a 20 LU loudness range.
    const result = spawnSync(
      ffmpegPath,
      [
        '-hide_banner', '-nostats',
        '-f', 'lavfi', '-i', "sine=f=1000:d=12,volume=enable='gt(t,6)':volume=0.1",
        ...loudnessArguments(), '-',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const loudness = parseLoudnessSummary(result.stderr);
    expect(loudness.integrated).toBeGreaterThan(-23);
    expect(loudness.integrated).toBeLessThan(-20);
    expect(loudness.range).toBeGreaterThan(15);
    expect(loudness.truePeak).toBeCloseTo(-18.1, 0);
  });
});
