// Reads the single audio track of an MP4 `moov`: timing, edit list, sample entry and, for
// progressive files, the sample table.

import { type Box, BodyReader, childBoxes, findBox, fullBox, requireBox } from './box-reader.ts';
import { describeSampleEntry, type SampleEntryInfo } from './codecs.ts';
import { MediaError } from '../errors/cadence-error.ts';

export interface EditInfo {
  /** First media sample presented (encoder priming), in media timescale. */
  mediaTime: number;
  /** Presented duration in the movie timescale. */
  segmentDuration: number;
}

export interface TrackInfo {
  trackId: number;
  movieTimescale: number;
  timescale: number;
  /** mdhd duration in media timescale (0 in fragmented files). */
  mediaDuration: number;
  edit: EditInfo | null;
  sampleEntry: SampleEntryInfo;
}

export interface SampleTable {
  sizes: number[];
  durations: number[];
  /** Absolute file offset of each sample. */
  offsets: number[];
}

function audioTrak(moov: Box): Box {
  const traks = childBoxes(moov).filter((box) => box.type === 'trak');
  const audio = traks.filter((trak) => {
    const hdlr = findBox(trak, 'mdia', 'hdlr');
    return hdlr?.body.toString('latin1', 8, 12) === 'soun';
  });
  if (audio.length !== 1) throw new MediaError(`expected exactly one audio track, found ${audio.length}`);
  return audio[0]!;
}

function parseEdit(trak: Box): EditInfo | null {
  const elst = findBox(trak, 'edts', 'elst');
  if (!elst) return null;
  const { version, reader } = fullBox(elst);
  const count = reader.u32();
  if (count === 0) return null;
  // An empty edit (media_time -1) followed by a real one would mean a delayed start; we never
  // write those, so only the first entry is read.
  const segmentDuration = version === 1 ? reader.u64() : reader.u32();
  const mediaTime = version === 1 ? reader.i64() : reader.i32();
  if (mediaTime < 0) throw new MediaError('edit lists with an empty first edit are not supported');
  return { mediaTime, segmentDuration };
}

function parseTimescale(box: Box): { timescale: number; duration: number } {
  const { version, reader } = fullBox(box);
  reader.skip(version === 1 ? 16 : 8); // creation and modification times
  const timescale = reader.u32();
  const duration = version === 1 ? reader.u64() : reader.u32();
  if (timescale === 0) throw new MediaError(`${box.type} has a zero timescale`);
  return { timescale, duration };
}

export function parseTrack(moov: Box): TrackInfo {
  const trak = audioTrak(moov);
  const tkhd = fullBox(requireBox(trak, 'tkhd'));
  tkhd.reader.skip(tkhd.version === 1 ? 16 : 8);
  const trackId = tkhd.reader.u32();
  const movie = parseTimescale(requireBox(moov, 'mvhd'));
  const media = parseTimescale(requireBox(trak, 'mdia', 'mdhd'));
  const stsd = requireBox(trak, 'mdia', 'minf', 'stbl', 'stsd');
  const entries = [...childBoxes({ ...stsd, body: stsd.body.subarray(8) })];
  if (entries.length !== 1) throw new MediaError(`expected one sample entry, found ${entries.length}`);
  return {
    trackId,
    movieTimescale: movie.timescale,
    timescale: media.timescale,
    mediaDuration: media.duration,
    edit: parseEdit(trak),
    sampleEntry: describeSampleEntry(entries[0]!),
  };
}

/** Expands stts/stsz/stsc/stco of a progressive file into per-sample arrays. */
export function parseSampleTable(moov: Box): SampleTable {
  const stbl = requireBox(audioTrak(moov), 'mdia', 'minf', 'stbl');

  const durations: number[] = [];
  const stts = fullBox(requireBox(stbl, 'stts')).reader;
  for (let entries = stts.u32(); entries > 0; entries--) {
    const count = stts.u32();
    const delta = stts.u32();
    for (let i = 0; i < count; i++) durations.push(delta);
  }

  const stsz = fullBox(requireBox(stbl, 'stsz')).reader;
  const uniformSize = stsz.u32();
  const sampleCount = stsz.u32();
  const sizes = Array.from({ length: sampleCount }, () => (uniformSize !== 0 ? uniformSize : stsz.u32()));
  if (sizes.length !== durations.length) {
    throw new MediaError(`stsz lists ${sizes.length} samples but stts ${durations.length}`);
  }

  const chunkOffsets: number[] = [];
  const stco = findBox(stbl, 'stco');
  const co64 = findBox(stbl, 'co64');
  const chunkReader: BodyReader = fullBox((stco ?? co64)!).reader;
  if (!stco && !co64) throw new MediaError('missing stco/co64 box');
  for (let count = chunkReader.u32(); count > 0; count--) {
    chunkOffsets.push(stco ? chunkReader.u32() : chunkReader.u64());
  }

  const stsc = fullBox(requireBox(stbl, 'stsc')).reader;
  const runs: Array<{ firstChunk: number; samplesPerChunk: number }> = [];
  for (let count = stsc.u32(); count > 0; count--) {
    runs.push({ firstChunk: stsc.u32(), samplesPerChunk: stsc.u32() });
    stsc.skip(4); // sample description index: one entry only
  }

  const offsets: number[] = [];
  let sample = 0;
  for (let chunk = 1; chunk <= chunkOffsets.length && sample < sizes.length; chunk++) {
    const run = runs.findLast((candidate) => candidate.firstChunk <= chunk);
    if (!run) throw new MediaError(`stsc does not cover chunk ${chunk}`);
    let position = chunkOffsets[chunk - 1]!;
    for (let i = 0; i < run.samplesPerChunk && sample < sizes.length; i++, sample++) {
      offsets.push(position);
      position += sizes[sample]!;
    }
  }
  if (offsets.length !== sizes.length) {
    throw new MediaError(`chunk table places ${offsets.length} of ${sizes.length} samples`);
  }
  return { sizes, durations, offsets };
}
