// Ingest benchmark (issue figures):
//  1. a generated delivery of 20 one-minute tracks ingested with the default concurrency, against
//     the sum of single-track `cadence package` runs of the same masters, side by side;
//  2. peak memory (summed RSS of the process tree) while ingesting one 60-minute 24-bit/96 kHz master.
//
//   node --import tsx scripts/bench-ingest.ts [--part all|delivery|long] [--tracks N] [--track-seconds S] [--long-minutes M]

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deliveryJson, makeDelivery } from '../fixtures/deliveries.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { REPO_ROOT } from '../test/helpers/cadence-cli.ts';
import { samplePeakRss } from './process-tree-sampler.ts';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '20' },
    'track-seconds': { type: 'string', default: '60' },
    'long-minutes': { type: 'string', default: '60' },
    part: { type: 'string', default: 'all' },
  },
});

interface Run {
  seconds: number;
  peakRssBytes: number;
}

function cadence(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['bin/cadence.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const sampler = samplePeakRss(child.pid!, 100);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => {
      const peakRssBytes = sampler.stop();
      if (code !== 0) reject(new Error(`cadence ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssBytes });
    });
  });
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-ingest-'));
try {
  if (values.part !== 'long') await benchDelivery();
  if (values.part !== 'delivery') await benchLongMaster();
} finally {
  await rm(scratch, { recursive: true, force: true });
}

async function benchDelivery(): Promise<void> {
  const trackCount = Number(values.tracks);
  const trackSeconds = Number(values['track-seconds']);
  const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: trackCount, seconds: trackSeconds, series: 90 });
  const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };

  let packageSeconds = 0;
  for (const [i, track] of json.tracks.entries()) {
    const run = await cadence(['package', join(scratch, 'delivery', track.master), '--out', join(scratch, `pkg-${i}`)], {});
    packageSeconds += run.seconds;
  }
  const ingest = await cadence(['ingest', file], env);
  process.stdout.write(
    [
      `delivery: ${trackCount} tracks x ${trackSeconds} s, 16-bit/44.1 kHz stereo`,
      `ingest (default concurrency, file store): ${ingest.seconds.toFixed(1)} s wall, peak ${mib(ingest.peakRssBytes)}`,
      `sum of single-track cadence package runs: ${packageSeconds.toFixed(1)} s`,
      `ratio ingest / sum of packages: ${(ingest.seconds / packageSeconds).toFixed(2)}`,
      '',
    ].join('\n'),
  );

}

async function benchLongMaster(): Promise<void> {
  const minutes = Number(values['long-minutes']);
  const longDir = join(scratch, 'long');
  const long = deliveryJson({ tracks: 1, series: 91 });
  long.tracks[0]!.master = 'masters/long.flac';
  await mkdir(join(longDir, 'masters'), { recursive: true });
  await makeMaster({ path: join(longDir, long.tracks[0]!.master), seconds: minutes * 60, sampleRate: 96000, bitDepth: 24, format: 'flac' });
  await writeFile(join(longDir, 'delivery.json'), JSON.stringify(long));
  const longEnv = { CADENCE_STORE: `file://${join(scratch, 'long-objects')}`, CADENCE_CATALOG: join(scratch, 'long-catalog.db') };
  const longRun = await cadence(['ingest', join(longDir, 'delivery.json')], longEnv);
  process.stdout.write(
    `one ${minutes}-minute 24-bit/96 kHz FLAC master: ingest ${longRun.seconds.toFixed(1)} s, peak ${mib(longRun.peakRssBytes)} (target < 300 MiB)\n`,
  );
}
