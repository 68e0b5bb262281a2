// Measured bitrates of a rendition, as HLS defines them (RFC 8216bis 4.4.6.2): the peak is the
// largest bitrate of any run of consecutive segments lasting 0.5 to 1.5 target durations, so a
// short final segment does not inflate BANDWIDTH; the average covers every segment.

import type { Segment } from './types.ts';

export interface MeasuredBitrates {
  average: number;
  peak: number;
}

export function measureBitrates(segments: Segment[], timescale: number, targetSeconds: number): MeasuredBitrates {
  const bits = segments.map((segment) => segment.size * 8);
  const seconds = segments.map((segment) => segment.duration / timescale);
  const totalSeconds = seconds.reduce((sum, value) => sum + value, 0);
  const average = totalSeconds > 0 ? bits.reduce((sum, value) => sum + value, 0) / totalSeconds : 0;

  let peak = 0;
  for (let first = 0; first < segments.length; first++) {
    let runBits = 0;
    let runSeconds = 0;
    for (let last = first; last < segments.length && runSeconds < 1.5 * targetSeconds; last++) {
      runBits += bits[last]!;
      runSeconds += seconds[last]!;
      if (runSeconds >= 0.5 * targetSeconds && runSeconds <= 1.5 * targetSeconds) {
        peak = Math.max(peak, runBits / runSeconds);
      }
    }
  }
  // A programme shorter than half a target duration has no qualifying run: use its average.
  return { average: Math.ceil(average), peak: Math.ceil(Math.max(peak, average)) };
}
