// Repackages an encoder's progressive MP4 into one fragmented MP4 (init, sidx, moof+mdat…) with
// fragment boundaries at fixed presentation positions, so every rendition cuts at the same instants.
// Sample data is copied one fragment at a time: memory stays flat however long the master is.

import { open } from 'node:fs/promises';
import { buildInitSegment, buildMoof, buildSidx, mdatHeader } from './cmaf-boxes.ts';
import { readTopLevelBoxes, requireTopLevel } from './mp4-file.ts';
import { parseSampleTable, parseTrack, type SampleTable } from '../manifests/track-info.ts';
import { MediaError } from '../errors/cadence-error.ts';

export interface PlannedFragment {
  firstSample: number;
  sampleCount: number;
  baseMediaDecodeTime: number;
  /** Presented duration (priming and padding excluded), in timescale units. */
  presentationDuration: number;
}

/**
 * Groups samples into fragments of `fragmentLength` presented samples. A sample belongs to the
 * fragment in which its presentation starts; priming frames join the first fragment and any
 * padding frames the last.
 */
export function planFragments(options: {
  durations: number[];
  priming: number;
  presentedSamples: number;
  fragmentLength: number;
}): PlannedFragment[] {
  const { durations, priming, presentedSamples, fragmentLength } = options;
  if (presentedSamples <= 0) throw new MediaError('nothing to present: the stream is empty');
  const encoded = durations.reduce((sum, duration) => sum + duration, 0) - priming;
  if (encoded < presentedSamples) {
    throw new MediaError(`encoded stream holds ${encoded} samples, fewer than the ${presentedSamples} it should present`);
  }
  const lastIndex = Math.floor((presentedSamples - 1) / fragmentLength);
  const fragments: PlannedFragment[] = [];
  let mediaTime = 0;
  durations.forEach((duration, sample) => {
    const index = Math.min(lastIndex, Math.floor(Math.max(0, mediaTime - priming) / fragmentLength));
    let fragment = fragments[index];
    if (!fragment) {
      const start = index * fragmentLength;
      fragment = {
        firstSample: sample,
        sampleCount: 0,
        baseMediaDecodeTime: mediaTime,
        presentationDuration: Math.min(fragmentLength, presentedSamples - start),
      };
      fragments[index] = fragment;
    }
    fragment.sampleCount++;
    mediaTime += duration;
  });
  // A sample longer than a fragment would leave a hole (`some` skips holes; `includes` does not).
  if (fragments.length !== lastIndex + 1 || fragments.includes(undefined as unknown as PlannedFragment)) {
    throw new MediaError(`a sample spans more than one ${fragmentLength}-sample fragment`);
  }
  return fragments;
}

export interface FragmentFileOptions {
  /** Progressive MP4 written by the encoder. */
  source: string;
  target: string;
  /** Fragment length in this rendition's samples. */
  fragmentLength: number;
  /** Samples the master holds, at this rendition's sample rate. */
  presentedSamples: number;
}

export interface FragmentFileResult {
  timescale: number;
  priming: number;
  /** Samples the encoder produced after its priming (before the edit list trims padding). */
  encodedSamples: number;
}

export async function fragmentFile(options: FragmentFileOptions): Promise<FragmentFileResult> {
  const { source, target, fragmentLength, presentedSamples } = options;
  const moov = requireTopLevel(await readTopLevelBoxes(source, new Set(['moov'])), 'moov', source);
  const track = parseTrack(moov);
  const table = parseSampleTable(moov);
  const priming = track.edit?.mediaTime ?? 0;
  const mediaDuration = table.durations.reduce((sum, duration) => sum + duration, 0);
  const encodedSamples = mediaDuration - priming;
  const fragments = planFragments({ durations: table.durations, priming, presentedSamples, fragmentLength });

  const moofs = fragments.map((fragment, index) =>
    buildMoof({
      sequenceNumber: index + 1,
      baseMediaDecodeTime: fragment.baseMediaDecodeTime,
      sizes: table.sizes.slice(fragment.firstSample, fragment.firstSample + fragment.sampleCount),
      durations: table.durations.slice(fragment.firstSample, fragment.firstSample + fragment.sampleCount),
    }),
  );
  const payloadSizes = fragments.map((fragment) => sumRange(table.sizes, fragment.firstSample, fragment.sampleCount));
  const init = buildInitSegment({
    timescale: track.timescale,
    sampleEntry: track.sampleEntry.raw,
    priming,
    presentedSamples,
    mediaDuration,
  });
  const sidx = buildSidx(
    track.timescale,
    fragments.map((fragment, i) => ({
      size: moofs[i]!.length + mdatHeader(payloadSizes[i]!).length + payloadSizes[i]!,
      duration: fragment.presentationDuration,
    })),
  );

  const input = await open(source, 'r');
  const output = await open(target, 'wx');
  try {
    await output.write(Buffer.concat([init, sidx]));
    for (const [i, fragment] of fragments.entries()) {
      const payload = await readSamples(input, table, fragment.firstSample, fragment.sampleCount, payloadSizes[i]!);
      await output.write(Buffer.concat([moofs[i]!, mdatHeader(payload.length), payload]));
    }
    await output.sync();
  } finally {
    await Promise.all([input.close(), output.close()]);
  }
  return { timescale: track.timescale, priming, encodedSamples };
}

function sumRange(values: number[], first: number, count: number): number {
  let total = 0;
  for (let i = first; i < first + count; i++) total += values[i]!;
  return total;
}

/** Reads consecutive samples, coalescing runs that sit back to back in the source file. */
async function readSamples(
  input: Awaited<ReturnType<typeof open>>,
  table: SampleTable,
  first: number,
  count: number,
  totalSize: number,
): Promise<Buffer> {
  const payload = Buffer.alloc(totalSize);
  let written = 0;
  let i = first;
  while (i < first + count) {
    const runStart = table.offsets[i]!;
    let runSize = table.sizes[i]!;
    let j = i + 1;
    while (j < first + count && table.offsets[j] === runStart + runSize) runSize += table.sizes[j++]!;
    const { bytesRead } = await input.read(payload, written, runSize, runStart);
    if (bytesRead !== runSize) throw new MediaError(`encoder output ends early at byte ${runStart + bytesRead}`);
    written += runSize;
    i = j;
  }
  return payload;
}
