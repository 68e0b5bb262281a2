// `make demo`: the main job end to end on the embedded defaults — a generated master packaged
// into a folder any static file server can serve.

import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeMaster } from '../fixtures/masters.ts';
import { runCadence } from '../test/helpers/cadence-cli.ts';

const demo = resolve('data', 'demo');
await mkdir(demo, { recursive: true });
const master = join(demo, 'master.wav');
process.stdout.write(`generating a 60 s 16-bit/44.1 kHz stereo master at ${master}\n`);
await makeMaster({ path: master, seconds: 60 });

const out = join(demo, 'package');
const result = await runCadence(['package', master, '--out', out, '--force']);
process.stderr.write(result.stderr);
process.stdout.write(result.stdout);
if (result.code === 0) {
  process.stdout.write(`\nserve ${out} with any static file server and open master.m3u8 or manifest.mpd\n`);
}
process.exitCode = result.code ?? 1;
