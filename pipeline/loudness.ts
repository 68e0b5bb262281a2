// Reads the summary ffmpeg's ebur128 filter prints when it finishes.

import type { Loudness } from '../manifests/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';

function field(summary: string, label: string): number | null {
  const match = new RegExp(`${label}:\\s+(-?inf|-?\\d+(?:\\.\\d+)?)`).exec(summary);
  if (!match) throw new CadenceError('FFMPEG', `ebur128 summary has no ${label} value`);
  return match[1]!.endsWith('inf') ? null : Number(match[1]);
}

export function parseLoudnessSummary(stderr: string): Loudness {
  const start = stderr.lastIndexOf('Summary:');
  if (start < 0) throw new CadenceError('FFMPEG', 'ffmpeg printed no ebur128 summary');
  const summary = stderr.slice(start);
  const integrated = field(summary, 'I');
  return {
    // -70 LUFS is the absolute gate: a programme at or below it has no integrated loudness.
    integrated: integrated === null || integrated <= -70 ? null : integrated,
    range: field(summary, 'LRA') ?? 0,
    truePeak: field(summary, 'Peak'),
  };
}
