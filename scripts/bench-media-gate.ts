// What the takedown check costs on the media hot path: media requests per second through the
// origin with the availability gate (origin/availability-gate.ts) against the same origin whose
// media handler has no gate (the code before it), side by side in one run, alternating rounds
// (this VM's speed drifts), median of the pairs' ratios.
//
//   node --import tsx scripts/bench-media-gate.ts [--seconds 4] [--pairs 5] [--connections 16]
//
// The origins run in a child process (both in it, so they see the same machine); the load comes
// from this process over keep-alive connections, cycling through a track's segment URLs and 64 KiB
// ranges: after the first pass everything is answered from memory, the path the gate sits on.

import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Parser } from 'm3u8-parser';
import { pino } from 'pino';
import { openCatalog } from '../catalog/open-catalog.ts';
import { makeDelivery } from '../fixtures/deliveries.ts';
import { createOriginApp } from '../origin/app.ts';
import { createAvailabilityGate } from '../origin/availability-gate.ts';
import { ByteCache } from '../origin/byte-cache.ts';
import { createMediaHandler } from '../origin/media-handler.ts';
import { listen } from '../origin/server.ts';
import { DEFAULT_TOKEN_POLICY, parseSigningKeys } from '../origin/signing.ts';
import type { OriginConfig, PlaybackGrant } from '../origin/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { runCadence } from '../test/helpers/cadence-cli.ts';
import { anonymousListeners } from '../listeners/test-support.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    pairs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    serve: { type: 'string' },
  },
});

const config: OriginConfig = {
  publicUrl: null,
  signingKeys: parseSigningKeys('bench:bench-secret-0123456789abcdef'),
  tokenPolicy: DEFAULT_TOKEN_POLICY,
  countryHeader: 'cloudfront-viewer-country',
  defaultCountry: null,
  manifestMaxAgeSeconds: 300,
  mediaCacheBytes: 256 * 1024 * 1024,
};

/** Child: the origin with the gate, and the same origin's API with a gate-less media handler. */
async function serve(scratch: string): Promise<void> {
  const store = openObjectStore(`file://${join(scratch, 'objects')}`);
  const catalog = openCatalog(join(scratch, 'catalog.db'), { searchInMemory: false });
  const logger = pino({ level: 'silent' });
  const gated = createOriginApp(config, { store, catalog, logger, listeners: anonymousListeners() });
  const plain = createMediaHandler({ config, store, cache: new ByteCache({ maxBytes: config.mediaCacheBytes }), now: () => new Date() });
  const a = await listen(gated, { port: 0, host: '127.0.0.1' });
  const b = await listen({ fetch: gated.fetch, serveMedia: plain }, { port: 0, host: '127.0.0.1' });
  process.send?.({ gated: a.url, plain: b.url });
}

/** Requests answered in `seconds` by `connections` keep-alive clients cycling through `paths`. */
async function load(base: string, paths: Array<{ path: string; range?: string }>, seconds: number, connections: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(base);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const client = async (offset: number): Promise<void> => {
    for (let i = offset; performance.now() < until; i++) {
      const { path, range } = paths[i % paths.length]!;
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path, agent, headers: range ? { Range: range } : {} }, (res) => {
          if (res.statusCode !== 200 && res.statusCode !== 206) reject(new Error(`${path}: ${res.statusCode}`));
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end();
      });
      done++;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => client(i * 7)));
  agent.destroy();
  return done / seconds;
}

/**
 * The same comparison without HTTP (steadier on a busy machine): CPU per answered request, both
 * handlers called in this process for the same in-memory answers, alternating rounds.
 */
async function handlerCost(scratch: string, paths: Array<{ path: string; range?: string }>): Promise<void> {
  const store = openObjectStore(`file://${join(scratch, 'objects')}`);
  const catalog = openCatalog(join(scratch, 'catalog.db'));
  const refuseTrack = createAvailabilityGate({ read: (isrc) => catalog.availability(isrc) });
  const gated = createMediaHandler({ config, store, cache: new ByteCache({ maxBytes: config.mediaCacheBytes }), now: () => new Date(), refuseTrack });
  const plain = createMediaHandler({ config, store, cache: new ByteCache({ maxBytes: config.mediaCacheBytes }), now: () => new Date() });
  const requests = paths.map(({ path, range }) => ({ method: 'GET', rawPath: path, headers: new Headers(range ? { Range: range } : {}) }));
  const time = async (handler: typeof plain, rounds: number): Promise<number> => {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const answer = handler(requests[i % requests.length]!);
      if (answer instanceof Promise) await answer;
    }
    return ((performance.now() - started) * 1000) / rounds;
  };
  for (const handler of [gated, plain]) await time(handler, 20_000); // fill caches
  const pairs: Array<[number, number]> = [];
  for (let round = 0; round < 7; round++) pairs.push([await time(gated, 100_000), await time(plain, 100_000)]);
  const median = (values: number[]): number => values.sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  process.stdout.write(
    `in-process answer CPU: with gate ${median(pairs.map((p) => p[0])).toFixed(2)} µs, without ${median(pairs.map((p) => p[1])).toFixed(2)} µs per answer (median of 7 rounds of 100k)\n`,
  );
  catalog.close();
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-gate-'));
  try {
    const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: 1, seconds: 60, series: 96 });
    const env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
    const ingest = await runCadence(['ingest', file], { env });
    if (ingest.code !== 0) throw new Error(ingest.stderr);

    const child = fork(new URL(import.meta.url).pathname, ['--serve', scratch], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const urls = await new Promise<{ gated: string; plain: string }>((resolve) => child.once('message', (message) => resolve(message as { gated: string; plain: string })));
    try {
      const grant = (await (await fetch(`${urls.gated}/v1/tracks/${json.tracks[0]!.isrc}/playback`)).json()) as PlaybackGrant;
      const folder = `${grant.segments.hls.slice(0, -'master.m3u8'.length)}aac-160/`;
      const parser = new Parser();
      parser.push(await (await fetch(`${urls.gated}${folder}index.m3u8`)).text());
      parser.end();
      const file160 = `${grant.hls.slice(0, -'master.m3u8'.length)}aac-160.mp4`;
      const paths = [
        ...parser.manifest.segments.map((segment) => ({ path: `${folder}${segment.uri}` })),
        ...Array.from({ length: 8 }, (_, i) => ({ path: file160, range: `bytes=${i * 65536}-${i * 65536 + 65535}` })),
      ];
      const seconds = Number(values.seconds);
      const connections = Number(values.connections);
      await load(urls.gated, paths, 4, connections);
      await load(urls.plain, paths, 4, connections);
      const ratios: number[] = [];
      for (let pair = 0; pair < Number(values.pairs); pair++) {
        // Alternating which goes first cancels the drift within a pair.
        const first = pair % 2 === 0 ? 'gated' : 'plain';
        const firstRate = await load(urls[first], paths, seconds, connections);
        const secondRate = await load(urls[first === 'gated' ? 'plain' : 'gated'], paths, seconds, connections);
        const [gated, plain] = first === 'gated' ? [firstRate, secondRate] : [secondRate, firstRate];
        ratios.push(gated / plain);
        process.stdout.write(`round ${pair + 1}: with gate ${gated.toFixed(0)} req/s, without ${plain.toFixed(0)} req/s, ratio ${(gated / plain).toFixed(3)}\n`);
      }
      ratios.sort((x, y) => x - y);
      process.stdout.write(`median ratio (with / without the availability gate): ${ratios[Math.floor(ratios.length / 2)]!.toFixed(3)} over ${ratios.length} pairs, ${paths.length} media paths, ${connections} connections\n`);
      await handlerCost(scratch, paths);
    } finally {
      child.kill('SIGTERM');
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

if (values.serve) await serve(values.serve);
else await main();
