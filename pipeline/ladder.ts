// The rendition ladder as pure data and pure argument builders: most tests need no ffmpeg.

import type { RenditionId } from '../manifests/types.ts';
import type { MasterInfo } from './types.ts';

export const SUPPORTED_SAMPLE_RATES = [44100, 48000, 88200, 96000, 176400, 192000] as const;

/** Target segment length; fragments are whole multiples of ALIGNMENT_SAMPLES near it. */
export const TARGET_SEGMENT_SECONDS = 6;

/**
 * Fragment boundaries must fall on frame boundaries in every rendition: FLAC frames are fixed at
 * 4096 samples, and AAC frames are 1024 samples at the master rate divided by 1, 2 or 4.
 */
export const FLAC_FRAME_SAMPLES = 4096;
const ALIGNMENT_SAMPLES = FLAC_FRAME_SAMPLES;

export interface RenditionProfile {
  id: RenditionId;
  codec: 'aac' | 'flac';
  /** bit/s for AAC; null for lossless. */
  nominalBitrate: number | null;
  /**
   * Relative encode cost: seconds to encode a 4-minute 16/44.1 stereo master alone on an idle
   * core (`scripts/measure-encode-costs.ts`). The three AAC encodes cost about the same, so the
   * split puts two AAC encodes on one core and the third with FLAC and loudness on the other.
   */
  cost: number;
}

export const LADDER: readonly RenditionProfile[] = [
  { id: 'aac-96', codec: 'aac', nominalBitrate: 96_000, cost: 2.5 },
  { id: 'aac-160', codec: 'aac', nominalBitrate: 160_000, cost: 2.5 },
  { id: 'aac-320', codec: 'aac', nominalBitrate: 320_000, cost: 2.7 },
  { id: 'flac', codec: 'flac', nominalBitrate: null, cost: 0.55 },
];

/** Cost of the EBU R128 measurement (true peak oversamples 4x), on the same scale. */
export const LOUDNESS_COST = 0.8;

/** AAC-LC is encoded at 44.1 or 48 kHz: hi-res masters are resampled by an integer factor. */
export function aacSampleRate(masterRate: number): number {
  return masterRate % 44100 === 0 ? 44100 : 48000;
}

export function renditionSampleRate(profile: RenditionProfile, master: Pick<MasterInfo, 'sampleRate'>): number {
  return profile.codec === 'aac' ? aacSampleRate(master.sampleRate) : master.sampleRate;
}

/** Fragment length in master samples: the multiple of the alignment nearest the target. */
export function fragmentLength(masterRate: number): number {
  return ALIGNMENT_SAMPLES * Math.max(1, Math.round((TARGET_SEGMENT_SECONDS * masterRate) / ALIGNMENT_SAMPLES));
}

export function intermediateFile(profile: RenditionProfile): string {
  return `${profile.id}.encoded.mp4`;
}

/** ffmpeg output options that encode one rendition into a progressive MP4. */
export function encodeArguments(profile: RenditionProfile, master: Pick<MasterInfo, 'sampleRate' | 'bitDepth' | 'sampleFormat'>): string[] {
  const common = ['-map', '0:a:0', '-map_metadata', '-1', '-vn', '-f', 'mp4'];
  if (profile.codec === 'flac') {
    // Float masters become 24-bit; integer masters keep their depth, so decoding is bit-exact.
    const wide = master.bitDepth > 16 || master.sampleFormat === 'float';
    return [
      ...common,
      '-c:a', 'flac',
      '-frame_size', String(FLAC_FRAME_SAMPLES),
      '-sample_fmt', wide ? 's32' : 's16',
      '-compression_level', '5',
      '-strict', '-2', // FLAC in MP4 is flagged experimental in this ffmpeg
    ];
  }
  const rate = aacSampleRate(master.sampleRate);
  const resample = rate !== master.sampleRate ? ['-af', 'aresample=resampler=soxr:precision=28', '-ar', String(rate)] : [];
  // At 320 kbps there are bits to spare: intensity and mid/side stereo would only throw away
  // stereo detail (and keep the encoder well under its nominal rate).
  const transparentStereo = profile.nominalBitrate !== null && profile.nominalBitrate >= 256_000 ? ['-aac_is', '0', '-aac_ms', '0'] : [];
  return [...common, ...resample, '-c:a', 'aac', '-b:a', String(profile.nominalBitrate), ...transparentStereo];
}

export function loudnessArguments(): string[] {
  // framelog=verbose keeps the per-100 ms lines out of stderr at the info level; the summary stays.
  return ['-map', '0:a:0', '-vn', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null'];
}
