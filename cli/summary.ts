// Human-readable summary of a packaging run.

import type { PackageResult } from '../pipeline/package-master.ts';

function kbps(bits: number): string {
  return `${(bits / 1000).toFixed(1)} kbps`;
}

export function formatPackageSummary({ outDir, description }: PackageResult): string {
  const { loudness } = description;
  const lines = [
    `packaged ${description.duration.toFixed(3)} s into ${outDir}`,
    ...description.renditions.map(
      (r) =>
        `  ${r.id.padEnd(8)} ${r.codecs.padEnd(10)} ${String(r.sampleRate).padStart(6)} Hz  avg ${kbps(r.averageBitrate)}  peak ${kbps(r.peakBitrate)}  ${r.segments.length} segments`,
    ),
    `  loudness ${loudness.integrated ?? '-inf'} LUFS, range ${loudness.range} LU, true peak ${loudness.truePeak ?? '-inf'} dBTP`,
    '  master.m3u8 (HLS), manifest.mpd (DASH), description.json',
  ];
  return `${lines.join('\n')}\n`;
}
