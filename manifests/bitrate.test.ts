import { describe, expect, it } from 'vitest';
import { measureBitrates } from './bitrate.ts';
import type { Segment } from './types.ts';

const TIMESCALE = 44100;
const SEGMENT = 266_240; // 6.037 s at 44.1 kHz, the ladder's fragment length
const TARGET = SEGMENT / TIMESCALE;

/** Segments laid end to end with the given sizes (bytes) and durations (timescale units). */
function segments(entries: Array<[size: number, duration: number]>): Segment[] {
  let offset = 1000;
  let time = 0;
  return entries.map(([size, duration]) => {
    const segment = { offset, size, time, duration };
    offset += size;
    time += duration;
    return segment;
  });
}

/** Bytes that a segment of `duration` needs to carry `bitsPerSecond`. */
function bytesFor(bitsPerSecond: number, duration: number): number {
  return Math.round((bitsPerSecond * duration) / TIMESCALE / 8);
}

describe('measureBitrates', () => {
  it('gives peak == average for a uniform stream, rounded up to whole bit/s', () => {
    for (const size of [48_213, 96_001, 120_777, 240_000]) {
      const uniform = segments(Array.from({ length: 12 }, (): [number, number] => [size, SEGMENT]));
      const { average, peak } = measureBitrates(uniform, TIMESCALE, TARGET);
      expect(average).toBe(Math.ceil((size * 8) / TARGET));
      expect(peak).toBe(average);
    }
  });

  it('measures the average over every segment, including a short last one', () => {
    const stream = segments([
      [100_000, SEGMENT],
      [120_000, SEGMENT],
      [10_000, 44_100],
    ]);
    const seconds = (2 * SEGMENT + 44_100) / TIMESCALE;
    expect(measureBitrates(stream, TIMESCALE, TARGET).average).toBe(Math.ceil((230_000 * 8) / seconds));
  });

  it('does not let a short final segment with a high rate set the peak', () => {
    // 128 kbit/s throughout, then a 0.5 s tail at 400 kbit/s (a moof's overhead weighs more there).
    const tail = 22_050;
    const stream = segments([
      ...Array.from({ length: 5 }, (): [number, number] => [bytesFor(128_000, SEGMENT), SEGMENT]),
      [bytesFor(400_000, tail), tail],
    ]);
    const { peak } = measureBitrates(stream, TIMESCALE, TARGET);
    expect(peak).toBeLessThan(160_000);
    // The tail only counts together with the segment before it.
    const lastTwo = stream.slice(-2);
    const bits = lastTwo.reduce((sum, segment) => sum + segment.size * 8, 0);
    const seconds = lastTwo.reduce((sum, segment) => sum + segment.duration, 0) / TIMESCALE;
    expect(peak).toBe(Math.ceil(bits / seconds));
  });

  it('reports a heavy segment in the middle as the peak', () => {
    const stream = segments([
      [bytesFor(128_000, SEGMENT), SEGMENT],
      [bytesFor(256_000, SEGMENT), SEGMENT],
      [bytesFor(128_000, SEGMENT), SEGMENT],
    ]);
    const { peak, average } = measureBitrates(stream, TIMESCALE, TARGET);
    expect(peak).toBeGreaterThanOrEqual(256_000);
    expect(peak).toBeLessThanOrEqual(256_001);
    expect(average).toBeLessThan(peak);
  });

  it('never reports a peak below the average', () => {
    let seed = 99;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let run = 0; run < 200; run++) {
      const count = 1 + Math.floor(next() * 10);
      const stream = segments(
        Array.from({ length: count }, (): [number, number] => [
          1000 + Math.floor(next() * 300_000),
          1024 * (1 + Math.floor(next() * 400)),
        ]),
      );
      const { peak, average } = measureBitrates(stream, TIMESCALE, TARGET);
      expect(peak).toBeGreaterThanOrEqual(average);
      expect(Number.isInteger(peak) && Number.isInteger(average)).toBe(true);
    }
  });

  it('uses the average as the peak for a programme shorter than half a target duration', () => {
    const stream = segments([[30_000, 88_200]]); // 2 s
    const { peak, average } = measureBitrates(stream, TIMESCALE, TARGET);
    expect(average).toBe(120_000);
    expect(peak).toBe(120_000);
  });
});
