// The media description: everything the manifest writers (and later the origin) need to know
// about one packaged master, derived from the fragmented MP4 files themselves.

export type RenditionId = 'aac-96' | 'aac-160' | 'aac-320' | 'flac';
export type CodecFamily = 'aac' | 'flac';

/** A contiguous span of bytes inside one rendition file. */
export interface ByteRange {
  offset: number;
  size: number;
}

/**
 * One media segment (a moof + mdat pair). `time` and `duration` are presentation values in the
 * rendition's timescale: encoder priming and trailing padding (trimmed by the edit list) are
 * already taken off, so segment N starts at the same instant in every rendition.
 */
export interface Segment extends ByteRange {
  time: number;
  duration: number;
}

export interface Rendition {
  id: RenditionId;
  codec: CodecFamily;
  /** RFC 6381 CODECS value, e.g. `mp4a.40.2` or `fLaC`. */
  codecs: string;
  /** File name of the single fragmented MP4, relative to the description. */
  file: string;
  fileSize: number;
  sampleRate: number;
  channels: number;
  /** Bits per sample of the decoded output (FLAC); null for lossy codecs. */
  bitDepth: number | null;
  timescale: number;
  /** Target bitrate in bit/s for lossy renditions; null for lossless. */
  nominalBitrate: number | null;
  /** Measured over media segments, in bit/s (moof + mdat bytes). */
  averageBitrate: number;
  peakBitrate: number;
  /** Samples of encoder delay skipped by the edit list. */
  priming: number;
  /** Presentation duration in timescale units (what a gapless decode returns). */
  duration: number;
  /** ftyp + moov. */
  init: ByteRange;
  /** The sidx box. */
  index: ByteRange;
  segments: Segment[];
}

export interface Loudness {
  /** EBU R128 integrated loudness in LUFS; null when the programme is below the gate. */
  integrated: number | null;
  /** Loudness range in LU. */
  range: number;
  /** True peak in dBTP; null for digital silence. */
  truePeak: number | null;
}

export interface MasterSummary {
  format: 'wav' | 'flac' | 'aiff';
  sampleRate: number;
  channels: number;
  bitDepth: number;
  sampleFormat: 'int' | 'float';
  /** Length in samples per channel. */
  samples: number;
}

export interface MediaDescription {
  version: 1;
  master: MasterSummary;
  /** Presentation duration in seconds. */
  duration: number;
  /** Nominal segment length in seconds. */
  segmentDuration: number;
  loudness: Loudness;
  renditions: Rendition[];
}

/** How manifests point at media: byte ranges into one file, or one URL per segment. */
export type Addressing = 'byterange' | 'segments';
