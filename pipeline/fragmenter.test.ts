import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors/cadence-error.ts';
import { planFragments, type PlannedFragment } from './fragmenter.ts';
import { fragmentLength } from './ladder.ts';

const AAC_FRAME = 1024;
const AAC_PRIMING = 1024;
const FLAC_FRAME = 4096;

/** Frame durations of an AAC encode: priming frame(s), the programme, then padding to a frame. */
function aacDurations(presentedSamples: number, { lastShort = 0 } = {}): number[] {
  const frames = Math.ceil((AAC_PRIMING + presentedSamples) / AAC_FRAME) + 1; // one extra padding frame
  const durations = new Array<number>(frames).fill(AAC_FRAME);
  if (lastShort) durations[frames - 1] = lastShort;
  return durations;
}

/** FLAC blocks: fixed 4096 samples, the last one shorter. */
function flacDurations(presentedSamples: number): number[] {
  const durations = new Array<number>(Math.floor(presentedSamples / FLAC_FRAME)).fill(FLAC_FRAME);
  if (presentedSamples % FLAC_FRAME) durations.push(presentedSamples % FLAC_FRAME);
  return durations;
}

/** Media time at which each sample starts. */
function startTimes(durations: number[]): number[] {
  const starts: number[] = [];
  let time = 0;
  for (const duration of durations) {
    starts.push(time);
    time += duration;
  }
  return starts;
}

function expectWellFormed(
  fragments: PlannedFragment[],
  options: { durations: number[]; priming: number; presentedSamples: number; fragmentLength: number },
): void {
  const { durations, priming, presentedSamples, fragmentLength: length } = options;
  const starts = startTimes(durations);
  expect(fragments).toHaveLength(Math.ceil(presentedSamples / length));
  // Every sample exactly once, in order.
  let next = 0;
  for (const fragment of fragments) {
    expect(fragment.firstSample).toBe(next);
    expect(fragment.sampleCount).toBeGreaterThan(0);
    expect(fragment.baseMediaDecodeTime).toBe(starts[fragment.firstSample]);
    next += fragment.sampleCount;
  }
  expect(next).toBe(durations.length);
  // Boundaries at multiples of the fragment length in presentation time (after the priming).
  fragments.slice(1).forEach((fragment, i) => {
    expect(fragment.baseMediaDecodeTime - priming).toBe((i + 1) * length);
  });
  // Presentation durations cover the programme exactly.
  expect(fragments.reduce((sum, fragment) => sum + fragment.presentationDuration, 0)).toBe(presentedSamples);
  fragments.slice(0, -1).forEach((fragment) => expect(fragment.presentationDuration).toBe(length));
}

describe('planFragments for an AAC-like stream', () => {
  const length = 8 * AAC_FRAME;
  const presentedSamples = 3 * length + 3000;
  const durations = aacDurations(presentedSamples, { lastShort: 512 });
  const options = { durations, priming: AAC_PRIMING, presentedSamples, fragmentLength: length };

  it('cuts at multiples of the fragment length in presentation time', () => {
    const fragments = planFragments(options);
    expectWellFormed(fragments, options);
    expect(fragments.map((fragment) => fragment.baseMediaDecodeTime)).toEqual([0, 9216, 17408, 25600]);
  });

  it('puts the priming frame in the first fragment, ahead of its full fragment of programme', () => {
    const [first] = planFragments(options);
    expect(first).toEqual({ firstSample: 0, sampleCount: 1 + 8, baseMediaDecodeTime: 0, presentationDuration: length });
  });

  it('puts the padding frames in the last fragment and presents only the programme there', () => {
    const fragments = planFragments(options);
    const last = fragments.at(-1)!;
    expect(last.firstSample + last.sampleCount).toBe(durations.length);
    expect(last.presentationDuration).toBe(3000);
    // The last two frames start after the programme ends: padding, yet still in the last fragment.
    const starts = startTimes(durations);
    expect(starts.at(-1)! - AAC_PRIMING).toBeGreaterThanOrEqual(presentedSamples);
  });

  it('works with the real ladder: 10 s at 44.1 kHz in 6 s fragments', () => {
    const real = {
      durations: aacDurations(441_000),
      priming: AAC_PRIMING,
      presentedSamples: 441_000,
      fragmentLength: fragmentLength(44100),
    };
    const fragments = planFragments(real);
    expectWellFormed(fragments, real);
    expect(fragments.map((fragment) => fragment.presentationDuration)).toEqual([266_240, 441_000 - 266_240]);
  });

  it('works with an AAC rendition of a 96 kHz master (fragment length halved)', () => {
    const real = {
      durations: aacDurations(48000 * 20),
      priming: AAC_PRIMING,
      presentedSamples: 48000 * 20,
      fragmentLength: fragmentLength(96000) / 2,
    };
    expectWellFormed(planFragments(real), real);
  });
});

describe('planFragments for a FLAC-like stream', () => {
  it('cuts 4096-sample frames into fragments with no priming and a short last frame', () => {
    const presentedSamples = 96000 * 13;
    const options = { durations: flacDurations(presentedSamples), priming: 0, presentedSamples, fragmentLength: fragmentLength(96000) };
    const fragments = planFragments(options);
    expectWellFormed(fragments, options);
    expect(fragments.map((fragment) => fragment.sampleCount)).toEqual([141, 141, 23]);
    expect(fragments.map((fragment) => fragment.presentationDuration)).toEqual([577_536, 577_536, 92_928]);
  });

  it('makes one fragment for a programme shorter than a fragment', () => {
    const options = { durations: flacDurations(5000), priming: 0, presentedSamples: 5000, fragmentLength: 16384 };
    expect(planFragments(options)).toEqual([{ firstSample: 0, sampleCount: 2, baseMediaDecodeTime: 0, presentationDuration: 5000 }]);
  });

  it('does not open an empty fragment when the programme ends exactly on a boundary', () => {
    const options = { durations: flacDurations(4 * 4096), priming: 0, presentedSamples: 4 * 4096, fragmentLength: 2 * 4096 };
    const fragments = planFragments(options);
    expectWellFormed(fragments, options);
    expect(fragments).toHaveLength(2);
  });
});

describe('planFragments refuses streams it cannot cut', () => {
  it('refuses a stream that stops a whole fragment short of presentedSamples', () => {
    const run = (): unknown =>
      planFragments({ durations: flacDurations(2 * 8192), priming: 0, presentedSamples: 3 * 8192 + 100, fragmentLength: 8192 });
    expect(run).toThrow(MediaError);
    expect(run).toThrow(/fewer than the 24676 it should present/);
  });

  it('refuses an empty stream', () => {
    expect(() => planFragments({ durations: [], priming: 0, presentedSamples: 0, fragmentLength: 4096 })).toThrow(MediaError);
    expect(() => planFragments({ durations: [], priming: 1024, presentedSamples: 1000, fragmentLength: 4096 })).toThrow(MediaError);
  });

  it('refuses a stream that ends one frame before presentedSamples', () => {
    const durations = flacDurations(10 * 4096); // 40960 samples
    expect(() => planFragments({ durations, priming: 0, presentedSamples: 10 * 4096 + 1, fragmentLength: 4096 * 4 })).toThrow(MediaError);
  });

  // A sample longer than a fragment skips a fragment index and would leave a hole in the plan.
  it('refuses samples so long that a fragment would be empty', () => {
    expect(() =>
      planFragments({ durations: [3000, 3000, 3000, 3000], priming: 0, presentedSamples: 9000, fragmentLength: 2000 }),
    ).toThrow(MediaError);
  });
});
