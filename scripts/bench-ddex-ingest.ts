// DDEX ingest up to the encode: `cadence ingest <release folder> --dry-run` of a 500-track ERN 4.3
// release (read + map + hash every file + probe every master, no encoding), and of a 200 MB
// hostile message (refused by its size). Each run is the real CLI in its own process; wall time
// and peak RSS come from /usr/bin/time. Masters are tiny WAVs (0.2 s) written without ffmpeg, so
// the figure is the per-message and per-file cost, not the audio's length.
//
//   node --import tsx scripts/bench-ddex-ingest.ts [--rounds 3] [--tracks 500]
// Heavy: run under `flock /tmp/cadence-heavy.lock` on a shared machine.

import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hugeMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, tracks: { type: 'string', default: '500' } } });
const rounds = Number(values.rounds);
const tracks = Number(values.tracks);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const dir = await mkdtemp(join(tmpdir(), 'cadence-bench-ddex-ingest-'));
try {
  const env = { CADENCE_STORE: `file://${join(dir, 'objects')}`, CADENCE_CATALOG: join(dir, 'catalog.db') };
  const album = join(dir, 'album');
  await writeReleaseFolder(album, sampleRelease({ family: '4.3', tracks, discs: 5, cover: false }), { seconds: 0.2, tinyMasters: true });
  const hostile = join(dir, 'hostile');
  await mkdir(hostile);
  await writeFile(join(hostile, 'message.xml'), hugeMessage(200 * 1024 * 1024));
  // `--version` is the CLI's own start-up, to subtract.
  for (const [name, args] of [
    ['cli start-up (--version)', ['--version']],
    [`${tracks}-track ERN 4.3 release, --dry-run`, ['ingest', album, '--dry-run', '--json']],
    ['200 MB hostile message', ['ingest', hostile, '--dry-run', '--json']],
  ] as const) {
    const runs = Array.from({ length: rounds }, () => timed([...args], env));
    console.log(`${name}: exit ${runs[0]!.code}, median ${median(runs.map((r) => r.seconds)).toFixed(2)} s, peak RSS ${median(runs.map((r) => r.peakMb)).toFixed(0)} MB`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** The CLI under /usr/bin/time, success or not: wall seconds and peak RSS. */
function timed(args: string[], env: NodeJS.ProcessEnv): { seconds: number; peakMb: number; code: number } {
  const child = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, 'bin/cadence.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const match = /TIME ([\d.]+) (\d+)/.exec(child.stderr);
  if (!match) throw new Error(`no timing in: ${child.stderr.slice(-500)}`);
  return { seconds: Number(match[1]), peakMb: Number(match[2]) / 1024, code: child.status ?? -1 };
}
