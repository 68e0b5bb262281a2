// Builds a rendition's media description from the boxes of its fragmented MP4 file: init range,
// sidx range, and every moof+mdat with its decode time, duration, offset and size. The sidx must
// agree with the fragments it indexes; any disagreement is an error, not a guess.

import { type Box, type TopLevelBox, childBoxes, fullBox, requireBox } from './box-reader.ts';
import { measureBitrates } from './bitrate.ts';
import { parseTrack } from './track-info.ts';
import type { Rendition, RenditionId, Segment } from './types.ts';
import { MediaError } from '../errors/cadence-error.ts';

export interface DescribeRenditionOptions {
  id: RenditionId;
  file: string;
  fileSize: number;
  nominalBitrate: number | null;
  /** Nominal segment length in seconds, for the peak-bitrate window. */
  segmentDuration: number;
  /** Top-level boxes of the file with ftyp, moov, sidx and every moof loaded. */
  boxes: TopLevelBox[];
}

interface FragmentTiming {
  decodeTime: number;
  mediaDuration: number;
}

function loaded(entry: TopLevelBox, file: string): Box {
  if (!entry.box) throw new MediaError(`${file}: ${entry.type} at ${entry.offset} was not loaded`);
  return entry.box;
}

function fragmentTiming(moof: Box, defaultDuration: number): FragmentTiming {
  const traf = requireBox(moof, 'traf');
  const tfhd = fullBox(requireBox(traf, 'tfhd'));
  tfhd.reader.skip(4); // track_ID
  if (tfhd.flags & 0x01) tfhd.reader.skip(8); // base data offset
  if (tfhd.flags & 0x02) tfhd.reader.skip(4); // sample description index
  const trackDefault = tfhd.flags & 0x08 ? tfhd.reader.u32() : defaultDuration;

  const tfdt = fullBox(requireBox(traf, 'tfdt'));
  const decodeTime = tfdt.version === 1 ? tfdt.reader.u64() : tfdt.reader.u32();

  let mediaDuration = 0;
  for (const trunBox of childBoxes(traf).filter((box) => box.type === 'trun')) {
    const trun = fullBox(trunBox);
    const count = trun.reader.u32();
    if (trun.flags & 0x001) trun.reader.skip(4); // data offset
    if (trun.flags & 0x004) trun.reader.skip(4); // first sample flags
    const hasDuration = (trun.flags & 0x100) !== 0;
    const skipAfterDuration = [0x200, 0x400, 0x800].filter((flag) => trun.flags & flag).length * 4;
    for (let i = 0; i < count; i++) {
      mediaDuration += hasDuration ? trun.reader.u32() : trackDefault;
      trun.reader.skip(skipAfterDuration);
    }
  }
  return { decodeTime, mediaDuration };
}

function sidxReferences(sidx: Box): Array<{ size: number; duration: number }> {
  const { version, reader } = fullBox(sidx);
  reader.skip(8); // reference_ID, timescale
  reader.skip(version === 1 ? 16 : 8); // earliest presentation time, first offset
  reader.skip(2);
  const count = reader.u16();
  return Array.from({ length: count }, () => {
    const typeAndSize = reader.u32();
    if (typeAndSize & 0x80000000) throw new MediaError('hierarchical sidx is not supported');
    const duration = reader.u32();
    reader.skip(4);
    return { size: typeAndSize, duration };
  });
}

export function describeRendition(options: DescribeRenditionOptions): Rendition {
  const { id, file, fileSize, nominalBitrate, segmentDuration, boxes } = options;
  const moovEntry = boxes.find((entry) => entry.type === 'moov');
  const sidxEntry = boxes.find((entry) => entry.type === 'sidx');
  if (boxes[0]?.type !== 'ftyp' || !moovEntry || !sidxEntry) {
    throw new MediaError(`${file}: expected ftyp, moov and sidx before the first fragment`);
  }
  const moov = loaded(moovEntry, file);
  const track = parseTrack(moov);
  const trex = fullBox(requireBox(moov, 'mvex', 'trex'));
  trex.reader.skip(8);
  const defaultDuration = trex.reader.u32();

  const priming = track.edit?.mediaTime ?? 0;
  const timings: FragmentTiming[] = [];
  const spans: Array<{ offset: number; size: number }> = [];
  boxes.forEach((entry, index) => {
    if (entry.type !== 'moof') return;
    const mdat = boxes[index + 1];
    if (mdat?.type !== 'mdat') throw new MediaError(`${file}: moof at ${entry.offset} is not followed by mdat`);
    timings.push(fragmentTiming(loaded(entry, file), defaultDuration));
    spans.push({ offset: entry.offset, size: entry.size + mdat.size });
  });
  if (timings.length === 0) throw new MediaError(`${file}: no fragments`);

  const last = timings.at(-1)!;
  const mediaEnd = last.decodeTime + last.mediaDuration;
  // The edit list's duration is in the movie timescale; convert to media samples.
  const duration = track.edit
    ? Math.round((track.edit.segmentDuration * track.timescale) / track.movieTimescale)
    : mediaEnd - priming;

  const segments: Segment[] = timings.map((timing, i) => {
    const start = Math.max(0, timing.decodeTime - priming);
    const end = Math.min(duration, timing.decodeTime + timing.mediaDuration - priming);
    return { time: start, duration: end - start, ...spans[i]! };
  });

  const references = sidxReferences(loaded(sidxEntry, file));
  if (references.length !== segments.length) {
    throw new MediaError(`${file}: sidx lists ${references.length} fragments, file has ${segments.length}`);
  }
  references.forEach((reference, i) => {
    const segment = segments[i]!;
    if (reference.size !== segment.size || reference.duration !== segment.duration) {
      throw new MediaError(`${file}: sidx entry ${i} disagrees with fragment at byte ${segment.offset}`);
    }
  });
  if (spans[0]!.offset !== sidxEntry.offset + sidxEntry.size) {
    throw new MediaError(`${file}: the first fragment does not follow the sidx`);
  }

  const entry = track.sampleEntry;
  const bitrates = measureBitrates(segments, track.timescale, segmentDuration);
  return {
    id,
    codec: entry.format === 'mp4a' ? 'aac' : 'flac',
    codecs: entry.codecs,
    file,
    fileSize,
    sampleRate: entry.sampleRate,
    channels: entry.channels,
    bitDepth: entry.bitDepth,
    timescale: track.timescale,
    nominalBitrate,
    averageBitrate: bitrates.average,
    peakBitrate: bitrates.peak,
    priming,
    duration,
    init: { offset: 0, size: moovEntry.offset + moovEntry.size },
    index: { offset: sidxEntry.offset, size: sidxEntry.size },
    segments,
  };
}
