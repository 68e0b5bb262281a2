// Queue benchmark (issue 12 figures): one generated delivery ingested three ways, wall time side
// by side: today's in-process ingest (no CADENCE_QUEUE, default concurrency), through the queue
// with one `cadence worker --concurrency 1`, and with two such workers. Each way starts from an
// empty store, catalog and Redis; the queue times run from `cadence ingest` start to its exit
// (upload of the masters and enqueueing included), with the workers already waiting.
//
//   node --import tsx scripts/bench-queue.ts [--tracks N] [--track-seconds S]

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { REPO_ROOT } from '../test/helpers/cadence-cli.ts';
import { startWorker } from '../test/helpers/queue-worker.ts';
import { startRedis } from '../test/helpers/redis-server.ts';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '20' },
    'track-seconds': { type: 'string', default: '20' },
  },
});

function cadence(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['bin/cadence.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`cadence ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-queue-'));
try {
  const trackCount = Number(values.tracks);
  const trackSeconds = Number(values['track-seconds']);
  const { file } = await makeDelivery(join(scratch, 'delivery'), { tracks: trackCount, seconds: trackSeconds, series: 91 });
  const envFor = (name: string): NodeJS.ProcessEnv => ({ CADENCE_STORE: `file://${join(scratch, name, 'objects')}`, CADENCE_CATALOG: join(scratch, name, 'catalog.db') });

  const inProcess = await cadence(['ingest', file], envFor('in-process'));
  const queued = async (workerCount: number): Promise<number> => {
    const redis = await startRedis();
    const env = { ...envFor(`workers-${workerCount}`), CADENCE_QUEUE: redis.url };
    const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(env, ['--concurrency', '1'])));
    try {
      return await cadence(['ingest', file], env);
    } finally {
      await Promise.all(workers.map((worker) => (worker.child.kill('SIGTERM'), worker.exited)));
      await redis.close();
    }
  };
  const one = await queued(1);
  const two = await queued(2);
  process.stdout.write(
    [
      `delivery: ${trackCount} tracks x ${trackSeconds} s, 16-bit/44.1 kHz stereo WAV; file store; Redis on loopback`,
      `in-process ingest (default concurrency): ${inProcess.toFixed(1)} s`,
      `queue, 1 worker --concurrency 1:        ${one.toFixed(1)} s (${(one / inProcess).toFixed(2)} x in-process)`,
      `queue, 2 workers --concurrency 1:       ${two.toFixed(1)} s (${(two / inProcess).toFixed(2)} x in-process, ${(one / two).toFixed(2)} x faster than 1 worker)`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
