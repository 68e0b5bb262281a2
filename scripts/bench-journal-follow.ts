// Publish-to-playable benchmark (issue 12 figures): how long after a publish a second origin node
// grants the track. A real `cadence worker --concurrency 1` publishes a generated delivery one
// track after another (real `cadence ingest` through the queue, real ffmpeg); a real `cadence serve
// --follow` with its own catalog file follows the journal in the same folder store. Measured per
// track: from the `at` stamp of its journal entry (written by the worker just before the entry is
// created) to the first 200 of `GET /v1/tracks/{isrc}/playback` on the node (a `cadence token`
// access token; the bench polls the grant every --probe-ms once it sees the entry, so rate limits
// are turned off for the node). Two ways, each from an empty store, catalog and Redis:
//   poll-only: the node is not told about Redis and finds entries by polling the journal
//              (CADENCE_JOURNAL_POLL_MS, default 1000 ms);
//   nudged:    the node has CADENCE_QUEUE too, so the worker's pub/sub nudge wakes it at once.
//
//   flock /tmp/cadence-heavy.lock node --import tsx scripts/bench-journal-follow.ts [--tracks 20] [--track-seconds 3] [--poll-ms 1000] [--probe-ms 10]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { readJournalEntry } from '../journal/journal-store.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { runCadence } from '../test/helpers/cadence-cli.ts';
import { startWorker } from '../test/helpers/queue-worker.ts';
import { startRedis } from '../test/helpers/redis-server.ts';
import { startServe } from '../test/helpers/serve-process.ts';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '20' },
    'track-seconds': { type: 'string', default: '3' },
    'poll-ms': { type: 'string', default: '1000' },
    'probe-ms': { type: 'string', default: '10' },
  },
});
const TRACKS = Number(values.tracks);
const PROBE_MS = Number(values['probe-ms']);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Sample {
  isrc: string;
  /** Entry `at` to the first 200 grant on the node. */
  latencyMs: number;
  /** Entry `at` to when this bench first read the entry (how late the probe could start). */
  seenMs: number;
}

async function run(mode: 'poll-only' | 'nudged', delivery: string, scratch: string): Promise<Sample[]> {
  const dir = join(scratch, mode);
  const redis = await startRedis();
  const shared = {
    CADENCE_STORE: `file://${join(dir, 'objects')}`,
    CADENCE_SIGNING_KEYS: 'bench:journal-follow-secret-0123456789',
    CADENCE_AUTH_LOCAL_KEY: join(dir, 'auth-key.jwk'),
    LOG_LEVEL: 'warn',
  };
  const publisherEnv = { ...shared, CADENCE_CATALOG: join(dir, 'publisher.db'), CADENCE_QUEUE: redis.url };
  const nodeEnv = {
    ...shared,
    CADENCE_CATALOG: join(dir, 'node.db'),
    CADENCE_JOURNAL_POLL_MS: values['poll-ms'],
    CADENCE_RATE_LIMITS: 'grant.listener=off,grant.address=off',
    ...(mode === 'nudged' ? { CADENCE_QUEUE: redis.url } : {}),
  };
  const token = await runCadence(['token', '--listener', 'bench', '--tier', 'free', '--ttl', '3600'], { env: nodeEnv });
  if (token.code !== 0) throw new Error(`cadence token: ${token.stderr}`);
  const authorization = `Bearer ${token.stdout.trim()}`;
  const node = await startServe({ env: nodeEnv, args: ['--follow'] });
  const worker = await startWorker(publisherEnv, ['--concurrency', '1']);
  const store = new FsObjectStore({ root: join(dir, 'objects') });
  try {
    const ingest = runCadence(['ingest', delivery], { env: publisherEnv, timeoutMs: 600_000 });
    let ingestDone = false;
    void ingest.finally(() => (ingestDone = true));
    const samples: Sample[] = [];
    for (let number = 1; number <= TRACKS; number++) {
      let entry = await readJournalEntry(store, number);
      while (!entry) {
        if (ingestDone) throw new Error(`ingest ended before journal entry ${number}: ${(await ingest).stderr.slice(-2000)}`);
        await sleep(2);
        entry = await readJournalEntry(store, number);
      }
      const at = Date.parse(entry.at);
      const seenMs = Date.now() - at;
      if (entry.change.kind !== 'publish') throw new Error(`journal entry ${number} is not a publish`);
      const { isrc } = entry.change.input.track;
      for (;;) {
        const answer = await fetch(`${node.url}/v1/tracks/${isrc}/playback`, { headers: { authorization } });
        await answer.arrayBuffer();
        if (answer.status === 200) break;
        if (answer.status !== 404) throw new Error(`${isrc}: grant answered ${answer.status}`);
        if (Date.now() - at > 30_000) throw new Error(`${isrc}: no grant within 30 s of its publish`);
        await sleep(PROBE_MS);
      }
      samples.push({ isrc, latencyMs: Date.now() - at, seenMs });
    }
    const result = await ingest;
    if (result.code !== 0) throw new Error(`cadence ingest exited ${result.code}: ${result.stderr.slice(-2000)}`);
    return samples;
  } finally {
    worker.child.kill('SIGTERM');
    await worker.exited;
    await node.stop();
    await redis.close();
  }
}

function summary(samples: Sample[]): { median: number; max: number; min: number } {
  const sorted = samples.map((sample) => sample.latencyMs).sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, max: sorted.at(-1)!, min: sorted[0]! };
}

const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-follow-'));
try {
  const { file } = await makeDelivery(join(scratch, 'delivery'), { tracks: TRACKS, seconds: Number(values['track-seconds']), series: 93 });
  const poll = await run('poll-only', file, scratch);
  const nudged = await run('nudged', file, scratch);
  const a = summary(poll);
  const b = summary(nudged);
  const line = (name: string, s: { median: number; max: number; min: number }): string =>
    `${name.padEnd(40)} median ${String(Math.round(s.median)).padStart(5)} ms   max ${String(s.max).padStart(5)} ms   min ${String(s.min).padStart(5)} ms`;
  process.stdout.write(
    [
      `${TRACKS} publishes, one after another: cadence ingest through the queue, 1 worker --concurrency 1, ${values['track-seconds']} s 16/44.1 masters; folder store`,
      'publish = the journal entry\'s `at`; playable = first 200 grant on a second `serve --follow` node (own catalog, default workers)',
      `grant probed every ${PROBE_MS} ms once the entry is in the store (seen a median ${Math.round(summary(nudged.map((s) => ({ ...s, latencyMs: s.seenMs }))).median)} ms after its stamp)`,
      line(`poll-only (CADENCE_JOURNAL_POLL_MS=${values['poll-ms']}):`, a),
      line('nudged over Redis pub/sub:', b),
      `ratio poll-only / nudged (median): ${(a.median / b.median).toFixed(1)} x`,
      '',
    ].join('\n'),
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
