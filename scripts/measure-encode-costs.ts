// Measures each encode job of the ladder alone (one ffmpeg process, one job), to set the relative
// costs in pipeline/ladder.ts that decide how jobs are split across cores.
//
//   node --import tsx scripts/measure-encode-costs.ts [--seconds S] [--rate HZ] [--rounds N]

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { makeMaster } from '../fixtures/masters.ts';
import { LADDER, LOUDNESS_COST, encodeArguments, loudnessArguments } from '../pipeline/ladder.ts';
import { resolveToolPaths } from '../pipeline/tool-paths.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '240' }, rate: { type: 'string', default: '44100' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const sampleRate = Number(values.rate);
const { ffmpegPath } = resolveToolPaths(process.env);

const scratch = await mkdtemp(join(tmpdir(), 'cadence-costs-'));
try {
  const master = join(scratch, 'master.wav');
  const bitDepth = sampleRate > 48000 ? 24 : 16;
  await makeMaster({ path: master, seconds, sampleRate, bitDepth });
  const info = { sampleRate, bitDepth, sampleFormat: 'int' as const };
  const jobs = [
    ...LADDER.map((profile) => ({ name: profile.id, current: profile.cost, args: [...encodeArguments(profile, info), join(scratch, `${profile.id}.mp4`)] })),
    { name: 'loudness', current: LOUDNESS_COST, args: [...loudnessArguments(), '-'] },
    { name: 'decode only', current: 0, args: ['-map', '0:a:0', '-f', 'null', '-'] },
  ];
  process.stdout.write(`master: ${seconds} s, ${bitDepth}-bit/${sampleRate} Hz stereo; median of ${values.rounds}\n`);
  process.stdout.write(`${'job'.padEnd(12)} ${'seconds'.padStart(8)} ${'ladder cost'.padStart(12)}\n`);
  for (const job of jobs) {
    const times: number[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const started = process.hrtime.bigint();
      await run(ffmpegPath, ['-nostdin', '-v', 'error', '-y', '-i', master, ...job.args]);
      times.push(Number(process.hrtime.bigint() - started) / 1e9);
    }
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    process.stdout.write(`${job.name.padEnd(12)} ${median.toFixed(2).padStart(8)} ${String(job.current).padStart(12)}\n`);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
