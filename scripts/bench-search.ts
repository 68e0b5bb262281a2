// Search benchmark over the catalog built by scripts/build-search-catalog.ts:
//  1. in-process latency of Catalog.search for a mixed query set made from names that are in the
//     catalog (exact, half-typed, typo, typed without accents, album, one common word): p50/p95/p99
//     per kind and overall (target p95 < 5 ms), and how often the source track is in the top 10;
//     with the search fields in memory as `serve` keeps them (the time to load them is printed),
//     or with --stored-fields read from SQLite per candidate as one-shot commands do;
//  2. queries per second over HTTP: `cadence serve --workers N` on that catalog, wrk cycling
//     URL-encoded queries (target ≥ 2,000 q/s on two cores).
//
//   node --import tsx scripts/bench-search.ts [--catalog data/search-bench/catalog.db] [--samples 600]
//       [--rounds 10] [--seconds 8] [--connections 32] [--workers 2] [--port 18490]
//       [--stored-fields] [--skip-http] [--dump-queries queries.json]
// Needs wrk (Debian package `wrk`).

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { Catalog, TrackView } from '../catalog/types.ts';
import { REPO_ROOT } from '../test/helpers/cadence-cli.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string', default: 'data/search-bench/catalog.db' },
    samples: { type: 'string', default: '600' },
    rounds: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '32' },
    workers: { type: 'string', default: '2' },
    port: { type: 'string', default: '18490' },
    seed: { type: 'string', default: '7' },
    'stored-fields': { type: 'boolean', default: false },
    'skip-http': { type: 'boolean', default: false },
    'dump-queries': { type: 'string' },
  },
});
const CATALOG = resolve(values.catalog!);
if (!existsSync(CATALOG)) throw new Error(`${CATALOG} does not exist; run scripts/build-search-catalog.ts first`);

/** Seeded, so the query set is the same from run to run. */
const random = seededRandom(Number(values.seed));
const int = (n: number): number => Math.floor(random() * n);

const isrcAt = (index: number): string => `QZSYN${String(index).padStart(7, '0')}`;

/** How many synthetic tracks the catalog holds (their ISRCs are dense from 0): a binary search. */
function trackCount(catalog: Catalog): number {
  let lo = 0;
  let hi = 9_999_999;
  if (!catalog.getTrack(isrcAt(0))) throw new Error(`${CATALOG} has no synthetic tracks (QZSYN…)`);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (catalog.getTrack(isrcAt(mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const fold = (text: string): string => text.normalize('NFKD').replace(/\p{M}+/gu, '');
const words = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** One plausible typo in a word of 5+ letters: swap, drop or double a letter. */
function typo(word: string): string {
  const i = 1 + int(word.length - 2);
  switch (int(3)) {
    case 0:
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    default:
      return word.slice(0, i) + word[i] + word.slice(i);
  }
}

type Kind = 'exact' | 'prefix' | 'typo' | 'accentless' | 'album' | 'common';
interface BenchQuery {
  kind: Kind;
  q: string;
  /** The track the query was made from (null when many tracks are equally right). */
  isrc: string | null;
}

function queriesFor(track: TrackView): BenchQuery[] {
  const artist = track.artists[0]!;
  const titleWords = words(track.title.replace(/\(.*\)|- Live$/g, ''));
  const artistWords = words(artist);
  const out: BenchQuery[] = [{ kind: 'exact', q: `${artist} ${track.title}`.slice(0, 200), isrc: track.isrc }];
  if (titleWords.length > 0) {
    const last = titleWords[titleWords.length - 1]!;
    if (last.length >= 4) {
      out.push({ kind: 'prefix', q: [...artistWords, ...titleWords.slice(0, -1), last.slice(0, Math.ceil(last.length / 2))].join(' '), isrc: track.isrc });
    }
  }
  const long = artistWords.findIndex((word) => word.length >= 5);
  if (long >= 0) {
    const misspelt = artistWords.map((word, i) => (i === long ? typo(word) : word));
    out.push({ kind: 'typo', q: [...misspelt, ...titleWords].join(' '), isrc: track.isrc });
  }
  if (fold(artist) !== artist || fold(track.title) !== track.title) {
    out.push({ kind: 'accentless', q: fold(`${artist} ${track.title}`).toLowerCase(), isrc: track.isrc });
  }
  out.push({ kind: 'album', q: track.release.title.slice(0, 200), isrc: null });
  if (titleWords[0]) out.push({ kind: 'common', q: titleWords[0], isrc: null });
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`.padStart(9);

// A catalog built by older code is migrated first (once, read-write), not timed.
openCatalog(CATALOG).close();

// 1. In process.
const opening = performance.now();
const catalog = openCatalog(CATALOG, { readonly: true, searchInMemory: !values['stored-fields'] });
const openMs = performance.now() - opening;
const queries: BenchQuery[] = [];
let total: number;
try {
  total = trackCount(catalog);
  const wanted = Number(values.samples);
  for (let i = 0; i < wanted; i++) {
    const track = catalog.getTrack(isrcAt(int(total)));
    if (track) queries.push(...queriesFor(track));
  }
  // Accent-less queries need names with accents: keep sampling until there are enough of them.
  for (let tries = 0; queries.filter((q) => q.kind === 'accentless').length < wanted / 4 && tries < wanted * 20; tries++) {
    const track = catalog.getTrack(isrcAt(int(total)));
    if (track && fold(`${track.artists[0]} ${track.title}`) !== `${track.artists[0]} ${track.title}`) {
      queries.push(...queriesFor(track).filter((q) => q.kind === 'accentless'));
    }
  }

  if (values['dump-queries']) await writeFile(values['dump-queries'], JSON.stringify(queries));
  process.stderr.write(`${queries.length} queries from ${total.toLocaleString('en')} tracks; warming up, then ${values.rounds} rounds\n`);
  // Warm the page cache and statement caches before measuring.
  for (const query of queries) catalog.search({ q: query.q });
  const times = new Map<Kind | 'all', number[]>();
  const hits = new Map<Kind, { found: number; of: number }>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const query of queries) {
      const started = process.hrtime.bigint();
      const results = catalog.search({ q: query.q, limit: 10 });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      for (const key of [query.kind, 'all'] as const) (times.get(key) ?? times.set(key, []).get(key)!).push(elapsed);
      if (round === 0 && query.isrc) {
        const hit = hits.get(query.kind) ?? { found: 0, of: 0 };
        hit.of++;
        if (results.some((r) => r.isrc === query.isrc)) hit.found++;
        hits.set(query.kind, hit);
      }
    }
  }
  process.stdout.write(`catalog: ${CATALOG} (${total.toLocaleString('en')} tracks)\n`);
  process.stdout.write(
    values['stored-fields']
      ? `search fields read from SQLite per candidate; catalog opened in ${openMs.toFixed(0)} ms\n`
      : `search fields in memory: catalog opened (and the fields loaded) in ${openMs.toFixed(0)} ms\n`,
  );
  process.stdout.write(`in-process Catalog.search, ${queries.length} distinct queries × ${values.rounds} rounds, limit 10:\n`);
  for (const [kind, list] of [...times.entries()].sort(([a], [b]) => (a === 'all' ? 1 : b === 'all' ? -1 : a.localeCompare(b)))) {
    list.sort((a, b) => a - b);
    const hit = kind === 'all' ? undefined : hits.get(kind);
    process.stdout.write(
      `  ${kind.padEnd(11)} n=${String(list.length).padStart(6)}  p50 ${ms(percentile(list, 50))}  p95 ${ms(percentile(list, 95))}  p99 ${ms(percentile(list, 99))}  max ${ms(list[list.length - 1]!)}` +
        (hit ? `  source track in top 10: ${((100 * hit.found) / hit.of).toFixed(0)}%` : '') +
        '\n',
    );
  }
  const all = times.get('all')!;
  process.stdout.write(`  target p95 < 5 ms: ${percentile(all, 95) < 5 ? 'met' : 'NOT met'}\n`);
} finally {
  catalog.close();
}

// 2. Over HTTP.
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** A worker's resident memory from /proc: private (anonymous) and file-backed (the mapped catalog, shared). */
function memoryOf(pid: number): { anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { anon: kib('RssAnon') / 1024, file: kib('RssFile') / 1024 };
}

function startOrigin(env: NodeJS.ProcessEnv): Promise<{ workers: () => number[]; stop(): Promise<void> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['bin/cadence.js', 'serve', '--port', values.port!, '--workers', values.workers!], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let running = true;
    const exited = new Promise<void>((done) => child.once('exit', () => ((running = false), done())));
    const onData = (chunk: Buffer): void => {
      output += chunk;
      if (/listening on/.test(output)) {
        resolvePromise({
          // With --workers 1 the child itself serves.
          workers: () => (Number(values.workers) > 1 ? childPids(child.pid!) : [child.pid!]),
          stop: async () => {
            // The workers are read now: once the primary is gone they are re-parented.
            const workers = childPids(child.pid!);
            child.kill('SIGTERM');
            const waited = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
            // A cluster primary can wait for ever on workers that do not disconnect; stop those
            // workers (ours, by pid) so the primary sees them exit and follows.
            for (const signal of waited ? [] : (['SIGTERM', 'SIGKILL'] as const)) {
              for (const pid of workers) killQuietly(pid, signal);
              if (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) break;
            }
            if (running) child.kill('SIGKILL');
            for (const pid of workers) killQuietly(pid, 'SIGKILL');
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`cadence serve exited ${code}: ${output}`)));
  });
}

function wrk(url: string, script: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/usr/bin/wrk', ['-t2', `-c${values.connections}`, `-d${values.seconds}s`, '--latency', '-s', script, url]);
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk));
    child.on('error', reject);
    child.on('close', () => resolvePromise(text));
  });
}

if (values['skip-http']) process.exit(0);
const scratch = await mkdtemp(join(tmpdir(), 'cadence-bench-search-'));
try {
  const paths = queries.map((query) => `/v1/search?q=${encodeURIComponent(query.q)}&limit=10`);
  const script = join(scratch, 'search.lua');
  await writeFile(
    script,
    `local paths = { ${paths.map((path) => JSON.stringify(path)).join(',\n')} }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`,
  );
  process.stderr.write(`starting cadence serve --workers ${values.workers}; wrk for ${values.seconds} s\n`);
  const origin = await startOrigin({
    CADENCE_CATALOG: CATALOG,
    CADENCE_STORE: `file://${join(scratch, 'objects')}`,
    CADENCE_SIGNING_KEYS: 'bench:bench-secret-0123456789abcdef',
    // Throughput is measured here, not the per-address search budget wrk would exhaust.
    CADENCE_RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
  });
  let output: string;
  let memory: Array<{ anon: number; file: number }>;
  try {
    output = await wrk(`http://127.0.0.1:${values.port}`, script);
    memory = origin.workers().map(memoryOf);
  } finally {
    await origin.stop();
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const latency = (p: number): string => /(\d+(?:\.\d+)?)(us|ms|s)/.exec(new RegExp(`\\s${p}%\\s+(\\S+)`).exec(output)?.[1] ?? '')?.[0] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = /Socket errors: (.*)/.exec(output);
  if (!rps) throw new Error(`unexpected wrk output:\n${output}`);
  process.stdout.write(
    `HTTP GET /v1/search via cadence serve --workers ${values.workers}, wrk -t2 -c${values.connections} -d${values.seconds}s over ${paths.length} queries:\n` +
      `  ${Number(rps[1]).toFixed(0)} q/s  latency p50 ${latency(50)}  p99 ${latency(99)}` +
      `${non2xx ? `  NON-2XX: ${non2xx[1]}` : ''}${errors ? `  socket errors: ${errors[1]}` : ''}\n` +
      `  target ≥ 2,000 q/s: ${Number(rps[1]) >= 2000 ? 'met' : 'NOT met'}\n` +
      `  worker RSS after the run: ${memory.map(({ anon, file }) => `${(anon + file).toFixed(0)} MiB (${anon.toFixed(0)} private + ${file.toFixed(0)} file-backed)`).join(', ')}\n`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
