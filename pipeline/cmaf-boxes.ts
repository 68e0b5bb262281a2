// Pure builders for the boxes of a single-track fragmented MP4: init segment, sidx, moof.

const TRACK_ID = 1;

function u8(value: number): Buffer {
  return Buffer.from([value]);
}
function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}
function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}
function u64(value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}
function zeros(length: number): Buffer {
  return Buffer.alloc(length);
}

export function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
}

function fullBox(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  return box(type, u8(version), u32(flags).subarray(1), ...parts);
}

const IDENTITY_MATRIX = Buffer.concat(
  [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map((value) => u32(value)),
);

export interface InitSegmentOptions {
  timescale: number;
  /** The codec's sample entry (mp4a or fLaC), copied verbatim from the encoder's output. */
  sampleEntry: Buffer;
  /** Encoder delay to skip, in samples. */
  priming: number;
  /** Samples to present after the priming; the edit list trims the encoder's padding. */
  presentedSamples: number;
  /** Total media duration of all fragments, for mehd. */
  mediaDuration: number;
}

/** ftyp + moov. The movie timescale equals the media timescale so the edit list is exact. */
export function buildInitSegment(options: InitSegmentOptions): Buffer {
  const { timescale, sampleEntry, priming, presentedSamples, mediaDuration } = options;
  const ftyp = box('ftyp', Buffer.from('iso6', 'latin1'), u32(0), Buffer.from('iso6iso5dashmp41', 'latin1'));
  const mvhd = fullBox(
    'mvhd', 1, 0,
    u64(0), u64(0), u32(timescale), u64(0),
    u32(0x00010000), u16(0x0100), zeros(10), IDENTITY_MATRIX, zeros(24), u32(TRACK_ID + 1),
  );
  const tkhd = fullBox(
    'tkhd', 1, 0x7, // enabled, in movie, in preview
    u64(0), u64(0), u32(TRACK_ID), u32(0), u64(0),
    zeros(8), u16(0), u16(0), u16(0x0100), u16(0), IDENTITY_MATRIX, u32(0), u32(0),
  );
  // One edit: start presenting at `priming`, for exactly the master's length. Players that honour
  // it (ffmpeg, Chrome's MSE, Safari) play gaplessly.
  const elst = fullBox('elst', 1, 0, u32(1), u64(presentedSamples), u64(priming), u16(1), u16(0));
  const mdhd = fullBox('mdhd', 1, 0, u64(0), u64(0), u32(timescale), u64(0), u16(0x55c4 /* und */), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), Buffer.from('soun', 'latin1'), zeros(12), Buffer.from('Cadence audio\0', 'latin1'));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const minf = box('minf', fullBox('smhd', 0, 0, u16(0), u16(0)), dinf, stbl);
  const trak = box('trak', tkhd, box('edts', elst), box('mdia', mdhd, hdlr, minf));
  const mvex = box(
    'mvex',
    fullBox('mehd', 1, 0, u64(mediaDuration)),
    fullBox('trex', 0, 0, u32(TRACK_ID), u32(1), u32(0), u32(0), u32(0)),
  );
  return Buffer.concat([ftyp, box('moov', mvhd, trak, mvex)]);
}

export interface IndexReference {
  /** moof + mdat bytes. */
  size: number;
  /** Presentation duration in timescale units. */
  duration: number;
}

/** A version-1 sidx whose first reference starts right after it. */
export function buildSidx(timescale: number, references: IndexReference[]): Buffer {
  const entries = references.map(({ size, duration }) =>
    Buffer.concat([u32(size & 0x7fffffff), u32(duration), u32(0x90000000) /* starts with SAP type 1 */]),
  );
  return fullBox(
    'sidx', 1, 0,
    u32(TRACK_ID), u32(timescale), u64(0), u64(0), u16(0), u16(references.length), ...entries,
  );
}

export interface FragmentSamples {
  sequenceNumber: number;
  baseMediaDecodeTime: number;
  sizes: number[];
  durations: number[];
}

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TFHD_DEFAULT_DURATION = 0x000008;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_SAMPLE_DURATION = 0x000100;
const TRUN_SAMPLE_SIZE = 0x000200;

/** moof for one fragment; its trun data offset points just past the following mdat header. */
export function buildMoof(fragment: FragmentSamples): Buffer {
  const { sequenceNumber, baseMediaDecodeTime, sizes, durations } = fragment;
  // Audio frames share one duration except the last of a stream: put the common value in tfhd
  // and list durations per sample only when they differ, to keep the moof small.
  const uniform = durations.every((duration) => duration === durations[0]);
  const tfhd = uniform
    ? fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF | TFHD_DEFAULT_DURATION, u32(TRACK_ID), u32(durations[0] ?? 0))
    : fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(TRACK_ID));
  const tfdt = fullBox('tfdt', 1, 0, u64(baseMediaDecodeTime));
  const perSample = sizes.map((size, i) =>
    uniform ? u32(size) : Buffer.concat([u32(durations[i]!), u32(size)]),
  );
  const trunFlags = TRUN_DATA_OFFSET | TRUN_SAMPLE_SIZE | (uniform ? 0 : TRUN_SAMPLE_DURATION);
  const build = (dataOffset: number): Buffer =>
    box(
      'moof',
      fullBox('mfhd', 0, 0, u32(sequenceNumber)),
      box('traf', tfhd, tfdt, fullBox('trun', 0, trunFlags, u32(sizes.length), u32(dataOffset), ...perSample)),
    );
  const moofSize = build(0).length;
  return build(moofSize + MDAT_HEADER_SIZE);
}

export const MDAT_HEADER_SIZE = 8;

export function mdatHeader(payloadSize: number): Buffer {
  return Buffer.concat([u32(payloadSize + MDAT_HEADER_SIZE), Buffer.from('mdat', 'latin1')]);
}
