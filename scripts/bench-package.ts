// Benchmark: `cadence package` on a generated 4-minute 16/44.1 stereo master against one bare
// ffmpeg command producing the same four encodes, side by side in the same run (alternating,
// several rounds, medians). Prints wall times, the ratio, the realtime factor and peak memory.
//
//   make bench            (or: node --import tsx scripts/bench-package.ts [--rounds N] [--seconds S])

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeMaster } from '../fixtures/masters.ts';
import { LADDER, encodeArguments } from '../pipeline/ladder.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';
import { REPO_ROOT } from '../test/helpers/cadence-cli.ts';
import { samplePeakRss } from './process-tree-sampler.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '240' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const { ffmpegPath } = resolveToolPaths(process.env);

interface Measurement {
  wallSeconds: number;
  peakRssBytes: number;
}

function measure(command: string, args: string[], cwd: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const sampler = samplePeakRss(child.pid!);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const peakRssBytes = sampler.stop();
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ wallSeconds, peakRssBytes });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-'));
try {
  const master = join(scratch, 'master.wav');
  await makeMaster({ path: master, seconds, sampleRate: 44100, bitDepth: 16, channels: 2 });
  const masterInfo = { sampleRate: 44100, bitDepth: 16, sampleFormat: 'int' as const };
  // The same four encodes Cadence runs, in one ffmpeg process that decodes the master once.
  const bareArgs = [
    '-nostdin', '-v', 'error', '-y', '-i', master,
    ...LADDER.flatMap((profile) => [...encodeArguments(profile, masterInfo), join(scratch, `bare-${profile.id}.mp4`)]),
  ];

  const bare: Measurement[] = [];
  const cadence: Measurement[] = [];
  for (let round = 1; round <= rounds; round++) {
    bare.push(await measure(ffmpegPath, bareArgs, scratch));
    const out = join(scratch, `cadence-${round}`);
    cadence.push(await measure(process.execPath, ['bin/cadence.js', 'package', master, '--out', out], REPO_ROOT));
    await rm(out, { recursive: true, force: true });
    process.stderr.write(`round ${round}: bare ${bare.at(-1)!.wallSeconds.toFixed(2)} s, cadence ${cadence.at(-1)!.wallSeconds.toFixed(2)} s\n`);
  }

  const bareWall = median(bare.map((m) => m.wallSeconds));
  const cadenceWall = median(cadence.map((m) => m.wallSeconds));
  const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const lines = [
    `master: ${seconds} s, 16-bit/44.1 kHz stereo WAV; ${rounds} rounds, medians`,
    `bare ffmpeg (4 encodes, one process):  ${bareWall.toFixed(2)} s wall, peak ${mib(Math.max(...bare.map((m) => m.peakRssBytes)))}`,
    `cadence package (encodes + loudness + verify + fragment + manifests): ${cadenceWall.toFixed(2)} s wall, peak ${mib(Math.max(...cadence.map((m) => m.peakRssBytes)))}`,
    `ratio cadence / bare: ${(cadenceWall / bareWall).toFixed(2)} (target <= 0.75; per round ${cadence
      .map((m, i) => (m.wallSeconds / bare[i]!.wallSeconds).toFixed(2))
      .join(', ')})`,
    `realtime factor: ${(seconds / cadenceWall).toFixed(1)}x`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
