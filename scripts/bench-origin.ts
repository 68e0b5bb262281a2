// Origin benchmark (issue figures), side by side in one run on loopback with wrk:
//  - 64 KiB range requests into a rendition file: origin vs nginx serving the same file directly;
//  - per-segment requests: origin (/s/<id>/<n>.m4s) vs nginx serving the same bytes as files;
//    after an untimed warm-up of each, --pairs rounds of origin then nginx, reporting the median of
//    the pairs' ratios (this VM's speed drifts by ±30% within minutes: alternating rounds let both
//    see the same drift);
//  - manifest requests per second with p99 latency;
//  - origin memory (RSS) under that load;
//  - time from the playback grant to the `playing` event in Chromium with hls.js.
//
//   node --import tsx scripts/bench-origin.ts [--seconds 4] [--pairs 3] [--connections 32] [--workers 2]
// Needs wrk and nginx (Debian packages `wrk`, `nginx-light`).

import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeDelivery } from '../fixtures/deliveries.ts';
import type { MediaDescription } from '../manifests/types.ts';
import type { PlaybackGrant } from '../origin/types.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { REPO_ROOT, runCadence } from '../test/helpers/cadence-cli.ts';
import { startStaticServer } from '../test/helpers/static-server.ts';
import { treeRss } from './process-tree-sampler.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    pairs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: '2' },
  },
});
const PAIRS = Math.max(1, Number(values.pairs));
const WARM_UP = '2s';
const DURATION = `${values.seconds}s`;
const START_ROUNDS = 9;
/** Sequential grants timed per origin (after 50 untimed). */
const GRANT_ROUNDS = 500;
/**
 * hls.js defaults, and README's recommendation for audio: fMP4 AAC/FLAC needs no transmuxing (no
 * worker to start), and the first fragment can load as soon as its playlist is in.
 */
const PLAYER_CONFIGS: Record<string, object> = {
  defaults: {},
  '{ enableWorker: false, startFragPrefetch: true }': { enableWorker: false, startFragPrefetch: true },
};
const CONNECTIONS = values.connections!;

interface WrkResult {
  requestsPerSecond: number;
  p99Ms: number;
}

/** Each distinct wrk script, written once (the paired rounds run the same two again and again). */
const scriptFiles = new Map<string, string>();

async function wrk(url: string, script: string | null, scratch: string, duration = DURATION): Promise<WrkResult> {
  const args = ['-t2', `-c${CONNECTIONS}`, `-d${duration}`, '--latency'];
  if (script) {
    let file = scriptFiles.get(script);
    if (!file) {
      file = join(scratch, `wrk-${scriptFiles.size}.lua`);
      await writeFile(file, script);
      scriptFiles.set(script, file);
    }
    args.push('-s', file);
  }
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [...args, url]);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (!rps || !p99) throw new Error(`unexpected wrk output:\n${output}`);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error responses from ${url}`);
  const scale = { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'];
  return { requestsPerSecond: Number(rps[1]), p99Ms: Number(p99[1]) * scale };
}

/** A wrk script sending 64 KiB Range requests at pseudo-random offsets in a file of `size` bytes. */
function rangeScript(size: number): string {
  return `
local size = ${size}
local chunk = 65536
math.randomseed(42)
request = function()
  local start = math.random(0, size - chunk - 1)
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. start .. "-" .. (start + chunk - 1) })
end`;
}

/** A wrk script cycling through segment paths. */
function pathsScript(paths: string[]): string {
  return `
local paths = { ${paths.map((path) => JSON.stringify(path)).join(', ')} }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end`;
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ pid: number; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk;
      if (ready.test(output)) resolve({ pid: child.pid!, stop: () => child.kill('SIGTERM') });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}: ${output}`)));
  });
}

const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-origin-'));
// nginx workers started by root run as `nobody`: they must be able to read the files.
await chmod(scratch, 0o755);
const stops: Array<() => void> = [];
try {
  const { file, json } = await makeDelivery(join(scratch, 'delivery'), { tracks: 1, seconds: 240, series: 95 });
  const env = {
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_CATALOG: join(scratch, 'catalog.db'),
    CADENCE_SIGNING_KEYS: 'bench:bench-secret-0123456789abcdef',
    // Listeners: a hi-fi access token from the embedded identity provider (a key pair in the
    // scratch folder); no rate limits, which would otherwise throttle the load generator.
    CADENCE_AUTH_LOCAL_KEY: join(scratch, 'auth-key.jwk'),
    CADENCE_RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  };
  const ingest = await runCadence(['ingest', file], { env });
  if (ingest.code !== 0) throw new Error(ingest.stderr);
  const issued = await runCadence(['token', '--listener', 'bench', '--tier', 'hifi', '--ttl', '2h'], { env });
  if (issued.code !== 0) throw new Error(issued.stderr);
  const authorization = `Bearer ${issued.stdout.trim()}`;

  const originPort = 18_480;
  const origin = await startProcess(process.execPath, ['bin/cadence.js', 'serve', '--port', String(originPort), '--workers', values.workers!], env, /listening on/);
  stops.push(origin.stop);
  const originUrl = `http://127.0.0.1:${originPort}`;
  const grant = (await (await fetch(`${originUrl}/v1/tracks/${json.tracks[0]!.isrc}/playback`, { headers: { authorization } })).json()) as PlaybackGrant;
  const base = grant.hls.slice(0, -'master.m3u8'.length);
  const [, , , isrc, version] = grant.hls.split('/') as [string, string, string, string, string];

  // The same bytes as plain files for nginx: the rendition file, and each segment as its own file.
  const web = join(scratch, 'www');
  await mkdir(join(web, 's'), { recursive: true });
  const prefix = join(scratch, 'objects', 'tracks', isrc, version);
  const description = JSON.parse(await readFile(join(prefix, 'description.json'), 'utf8')) as MediaDescription;
  const flac = description.renditions.find((r) => r.id === 'flac')!;
  const flacBytes = await readFile(join(prefix, flac.file));
  await writeFile(join(web, 'flac.mp4'), flacBytes);
  for (const [i, segment] of flac.segments.entries()) {
    await writeFile(join(web, 's', `${i + 1}.m4s`), flacBytes.subarray(segment.offset, segment.offset + segment.size));
  }
  await mkdir(join(scratch, 'nginx', 'logs'), { recursive: true });
  // sendfile is off: on this VM sendfile at random offsets runs at ~800 req/s against ~20,000 with
  // plain reads, and the baseline should be nginx at its best.
  await writeFile(
    join(scratch, 'nginx', 'nginx.conf'),
    `worker_processes auto; error_log logs/error.log; pid nginx.pid; events { worker_connections 1024; }
http { access_log off; sendfile off; keepalive_requests 100000; types { audio/mp4 mp4 m4s; }
  server { listen 127.0.0.1:18481; root ${web}; } }`,
  );
  const nginx = spawn('nginx', ['-p', join(scratch, 'nginx'), '-c', 'nginx.conf', '-g', 'daemon off;'], { stdio: 'ignore' });
  stops.push(() => nginx.kill('SIGTERM'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const nginxUrl = 'http://127.0.0.1:18481';

  const segmentCount = flac.segments.length;
  const segmentPaths = (root: string): string[] => Array.from({ length: segmentCount }, (_, i) => `${root}${i + 1}.m4s`);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRss(origin.pid))), 100);

  const rows: string[] = [];
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const compare = async (name: string, originRun: (duration?: string) => Promise<WrkResult>, nginxRun: (duration?: string) => Promise<WrkResult>): Promise<void> => {
    // Untimed warm-up of both: the origin's block cache and JIT, nginx's page cache (already warm).
    await originRun(WARM_UP);
    await nginxRun(WARM_UP);
    const pairs: Array<{ o: WrkResult; n: WrkResult }> = [];
    for (let i = 0; i < PAIRS; i++) pairs.push({ o: await originRun(), n: await nginxRun() });
    const ratios = pairs.map(({ o, n }) => o.requestsPerSecond / n.requestsPerSecond);
    const o = median(pairs.map((pair) => pair.o.requestsPerSecond));
    const n = median(pairs.map((pair) => pair.n.requestsPerSecond));
    rows.push(
      `${name.padEnd(14)} origin ${o.toFixed(0).padStart(6)} req/s (p99 ${median(pairs.map((pair) => pair.o.p99Ms)).toFixed(2)} ms)   ` +
        `nginx ${n.toFixed(0).padStart(6)} req/s (p99 ${median(pairs.map((pair) => pair.n.p99Ms)).toFixed(2)} ms)   ` +
        `ratio ${median(ratios).toFixed(2)} (median of ${PAIRS} pairs: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')})`,
    );
  };
  await compare(
    '64 KiB ranges',
    (duration) => wrk(`${originUrl}${base}flac.mp4`, rangeScript(flacBytes.length), scratch, duration),
    (duration) => wrk(`${nginxUrl}/flac.mp4`, rangeScript(flacBytes.length), scratch, duration),
  );
  // Context for the range ratio: bare node:http serving the same ranges from memory.
  const bare = await startProcess(process.execPath, ['--import', 'tsx', 'scripts/bare-node-range-server.ts', join(web, 'flac.mp4'), '18482', values.workers!], {}, /listening/);
  stops.push(bare.stop);
  const bareRanges = await wrk('http://127.0.0.1:18482/flac.mp4', rangeScript(flacBytes.length), scratch);
  rows.push(`64 KiB ranges, bare node:http (${values.workers} workers, file in memory, nothing else): ${bareRanges.requestsPerSecond.toFixed(0)} req/s (p99 ${bareRanges.p99Ms.toFixed(2)} ms)`);
  bare.stop();
  await compare(
    'segments',
    (duration) => wrk(originUrl, pathsScript(segmentPaths(`${base}s/flac/`)), scratch, duration),
    (duration) => wrk(nginxUrl, pathsScript(segmentPaths('/s/')), scratch, duration),
  );
  const manifests = await wrk(`${originUrl}${grant.hls}`, null, scratch);
  clearInterval(sampler);
  rows.push(`manifests (master.m3u8) origin ${manifests.requestsPerSecond.toFixed(0)} req/s, p99 ${manifests.p99Ms.toFixed(2)} ms`);
  rows.push(`origin peak RSS under load: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);

  // Grant latency with access-token verification (ES256, keys cached) against a second origin
  // with CADENCE_AUTH=none (no verification: what a grant cost before access tokens).
  const open = await startProcess(process.execPath, ['bin/cadence.js', 'serve', '--port', String(originPort + 10)], { ...env, CADENCE_AUTH: 'none', CADENCE_AUTH_NONE_TIER: 'hifi' }, /listening on/);
  stops.push(open.stop);
  const grantLatency = async (url: string, headers: Record<string, string>): Promise<{ p50: number; p99: number }> => {
    const times: number[] = [];
    for (let i = 0; i < GRANT_ROUNDS + 50; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/v1/tracks/${isrc}/playback`, { headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`grant answered ${response.status}`);
      if (i >= 50) times.push(performance.now() - started); // the first 50 warm up
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]! };
  };
  const verified = await grantLatency(originUrl, { authorization });
  const unverified = await grantLatency(`http://127.0.0.1:${originPort + 10}`, {});
  open.stop();
  rows.push(
    `grant latency (${GRANT_ROUNDS} sequential): with access token p50 ${verified.p50.toFixed(2)} ms, p99 ${verified.p99.toFixed(2)} ms; ` +
      `without (CADENCE_AUTH=none) p50 ${unverified.p50.toFixed(2)} ms, p99 ${unverified.p99.toFixed(2)} ms`,
  );

  // Grant → playing in Chromium with hls.js, from a page on another origin (CORS on): with hls.js
  // defaults, and with the configuration the README recommends for audio.
  const pages = await startStaticServer({ root: scratch });
  await writeFile(join(scratch, 'play.html'), '<!doctype html><audio id="a"></audio><script src="/__players/hls.min.js"></script>');
  const browser = await launchBrowser();
  try {
    for (const [name, config] of Object.entries(PLAYER_CONFIGS)) {
      const times: number[] = [];
      for (let round = 0; round < START_ROUNDS; round++) {
        const page = await browser.newPage();
        await page.goto(`${pages.url}/play.html`);
        times.push(
          await page.evaluate(
            async ({ api, isrc: id, hlsConfig, bearer }) => {
              const started = performance.now();
              const granted = await (await fetch(`${api}/v1/tracks/${id}/playback`, { headers: { authorization: bearer } })).json();
              const audio = document.getElementById('a') as HTMLAudioElement;
              // eslint-disable-next-line @typescript-eslint/no-explicit-any
              const hls = new (window as any).Hls(hlsConfig);
              hls.loadSource(`${api}${granted.hls}`);
              hls.attachMedia(audio);
              await new Promise<void>((resolve) => {
                audio.addEventListener('playing', () => resolve(), { once: true });
                void audio.play();
              });
              return performance.now() - started;
            },
            { api: originUrl, isrc, hlsConfig: config, bearer: authorization },
          ),
        );
        await page.close();
      }
      times.sort((a, b) => a - b);
      rows.push(`grant -> playing (hls.js ${name}): median ${median(times).toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}, ${START_ROUNDS} starts; target < 200 ms)`);
    }
  } finally {
    await browser.close();
    await pages.close();
  }
  process.stdout.write(`origin: ${values.workers} worker(s); nginx: worker_processes auto\nwrk -t2 -c${CONNECTIONS} -d${DURATION} per round, 4-minute FLAC rendition (${(flacBytes.length / 2 ** 20).toFixed(1)} MiB, ${segmentCount} segments)\n${rows.join('\n')}\n`);
} finally {
  for (const stop of stops) stop();
  await rm(scratch, { recursive: true, force: true });
}
