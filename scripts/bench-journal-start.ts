// New-node benchmark (issue 12 figures): a fresh origin node coming up from snapshot + journal
// against `cadence reindex` of the same store, with --tracks tracks published.
//
// Setup (untimed unless said): one real master packaged once by `cadence package`; then a folder
// store holding, per track, what a real publish stores: meta.json (its own facts), the real
// description and media objects (hard links to the packaged files, so 100,000 versions cost no
// media bytes), each with the checksum sidecar the folder driver keeps; and one journal entry per
// track. These are written straight into the folder driver's layout because 100,000 fsynced
// create-only puts would take most of an hour here; a check reads one back through the driver.
// A writer catalog replays the journal with `catchUp` (the path a node without a snapshot takes;
// timed and printed), `cadence snapshot` stores it, then --after more tracks are published after
// the snapshot through the real journal writer. Timed, from process start, each from an empty
// catalog file of its own:
//   node:    `cadence serve --follow` (default workers) until it prints where it listens, and until
//            it answers a search for a track published after the snapshot;
//   reindex: `cadence reindex` until it exits;
// and a restart of the node on the catalog it now has (the fixed cost of starting serve).
// Peak RSS is the summed RSS of the process tree, sampled every 50 ms.
//
//   flock /tmp/cadence-heavy.lock node --import tsx scripts/bench-journal-start.ts [--tracks 100000] [--after 1000] [--keep DIR]

import { createHash } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { openCatalog } from '../catalog/open-catalog.ts';
import type { JournalEntry, PublishInput } from '../catalog/types.ts';
import { makeMaster } from '../fixtures/masters.ts';
import { seededRandom } from '../fixtures/seeded-random.ts';
import { catchUp } from '../journal/catch-up.ts';
import { createJournalWriter } from '../journal/journal-writer.ts';
import type { MediaDescription } from '../manifests/types.ts';
import { readStoredVersion, type VersionMeta, versionRecord } from '../pipeline/publish.ts';
import { DESCRIPTION_FILE, META_FILE, journalEntryKey, versionPrefix } from '../storage/layout.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { REPO_ROOT, runCadence } from '../test/helpers/cadence-cli.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { samplePeakRss } from './process-tree-sampler.ts';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '100000' },
    after: { type: 'string', default: '1000' },
    keep: { type: 'string' },
  },
});
const TRACKS = Number(values.tracks);
const AFTER = Number(values.after);
if (!Number.isInteger(TRACKS) || !Number.isInteger(AFTER) || AFTER < 1 || AFTER >= TRACKS) throw new Error('--tracks and --after: whole numbers, 1 <= after < tracks');
const BEFORE = TRACKS - AFTER;

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

// --- synthetic facts (deterministic) -------------------------------------------------------------

const random = seededRandom(12);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const WORDS = 'love night heart river ocean summer rain moon star city road fire light gold blue silver midnight morning echo thunder harbor garden forest glass paper velvet neon'.split(' ');
const NAMES = 'Ilse Varga,Tomás Ruiz,Mia Lindqvist,The Velvet Owls,Kwame Mensah,Yuki Tanaka,Léa Moreau,DJ Arlo,Søren Åberg,Priya Patel'.split(',');
const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function upc(index: number): string {
  const body = `30${String(index).padStart(9, '0')}`;
  const sum = [...body].reverse().reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/** Track `index`'s facts; ten tracks to a release. The last track's title is unique (the search probe). */
function metaOf(index: number): VersionMeta {
  const releaseIndex = Math.floor(index / 10);
  const artist = NAMES[releaseIndex % NAMES.length]!;
  const title = index === TRACKS - 1 ? 'Zephyrine Last Light' : `${capital(pick(WORDS))} ${capital(pick(WORDS))}`;
  return {
    release: { upc: upc(releaseIndex), label: 'Bench Records', title: `Album ${releaseIndex}`, artists: [artist], releaseDate: '2026-01-15', genre: 'Pop', territories: ['WW'] },
    track: { isrc: isrcOf(index), upc: upc(releaseIndex), title, artists: [artist], trackNumber: (index % 10) + 1, discNumber: 1, explicit: false },
    masterSha256: createHash('sha256').update(`master ${index}`).digest('hex'),
  };
}
const isrcOf = (index: number): string => `QZBEN${String(index).padStart(7, '0')}`;
const versionOf = (isrc: string): string => createHash('sha256').update(isrc).digest('hex').slice(0, 20);

// --- the store, written in the folder driver's layout ----------------------------------------------

const CONTENT_TYPES: Record<string, string> = { '.mp4': 'audio/mp4', '.m3u8': 'application/vnd.apple.mpegurl', '.mpd': 'application/dash+xml', '.json': 'application/json' };
const contentTypeOf = (name: string): string => CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';

class LayoutWriter {
  readonly #root: string;
  readonly #packaged: string;
  readonly #names: string[];
  /** Hard-linked copies of the packaged files: a new set before an inode reaches ext4's link limit. */
  #template = '';
  #linksLeft = 0;
  #templates = 0;

  constructor(root: string, packaged: string) {
    this.#root = root;
    this.#packaged = packaged;
    this.#names = readdirSync(packaged).sort();
  }

  /** Writes `key` with `body` and its sidecar (sha256, size, inode, mtime, content type). */
  writeObject(key: string, body: string): void {
    const path = join(this.#root, key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body, { flag: 'wx' });
    this.#writeSidecar(key, path, createHash('sha256').update(body).digest('hex'));
  }

  #writeSidecar(key: string, path: string, sha256: string): void {
    const stats = statSync(path);
    const sidecar = join(this.#root, '.cadence', 'meta', key);
    mkdirSync(join(sidecar, '..'), { recursive: true });
    writeFileSync(sidecar, JSON.stringify({ sha256, size: stats.size, ino: stats.ino, mtimeMs: stats.mtimeMs, contentType: contentTypeOf(key) }));
  }

  #nextTemplate(): void {
    this.#template = join(this.#root, '.cadence', 'bench-templates', String(this.#templates++));
    for (const name of this.#names) {
      const key = `${this.#template.slice(this.#root.length + 1)}/${name}`;
      mkdirSync(this.#template, { recursive: true });
      writeFileSync(join(this.#root, key), readFileSync(join(this.#packaged, name)));
      this.#writeSidecar(key, join(this.#root, key), createHash('sha256').update(readFileSync(join(this.#packaged, name))).digest('hex'));
    }
    this.#linksLeft = 50_000;
  }

  /** One stored version: meta.json, then every packaged object (description included) linked in. */
  writeVersion(isrc: string, version: string, meta: VersionMeta): void {
    const prefix = versionPrefix(isrc, version);
    this.writeObject(`${prefix}${META_FILE}`, `${JSON.stringify(meta, null, 2)}\n`);
    if (this.#linksLeft-- <= 0) this.#nextTemplate();
    const templateKey = this.#template.slice(this.#root.length + 1);
    mkdirSync(join(this.#root, '.cadence', 'meta', prefix), { recursive: true });
    for (const name of this.#names) {
      linkSync(join(this.#template, name), join(this.#root, prefix, name));
      linkSync(join(this.#root, '.cadence', 'meta', templateKey, name), join(this.#root, '.cadence', 'meta', prefix, name));
    }
  }
}

// --- timed processes --------------------------------------------------------------------------------

interface Timed {
  listeningS: number;
  searchS: number;
  followMs: number | null;
  peakRss: number;
}

async function timeNode(env: NodeJS.ProcessEnv, probe: string): Promise<Timed> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child: ChildProcess = spawn(process.execPath, ['bin/cadence.js', 'serve', '--follow', '--port', String(port)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rss = samplePeakRss(child.pid!);
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk;
        if (stdout.includes('listening on')) resolve();
      });
      void exited.then(() => reject(new Error(`serve exited before listening:\n${log.slice(-3000)}`)));
    });
    const listeningS = seconds(started);
    for (;;) {
      const answer = await fetch(`http://127.0.0.1:${port}/v1/search?q=${encodeURIComponent(probe)}`);
      const body = (await answer.json()) as { results?: Array<{ isrc: string }> };
      if (answer.status === 200 && body.results?.[0]?.isrc === isrcOf(TRACKS - 1)) break;
      if (seconds(started) > 600) throw new Error(`the node did not find ${probe}: ${answer.status} ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const searchS = seconds(started);
    const follow = /"ms":(\d+)[^\n]*catalog follows the publish journal/.exec(log);
    child.kill('SIGTERM');
    await exited;
    return { listeningS, searchS, followMs: follow ? Number(follow[1]) : null, peakRss: rss.stop() };
  } finally {
    rss.stop();
    child.kill('SIGTERM');
    await exited;
  }
}

async function timeReindex(env: NodeJS.ProcessEnv): Promise<{ s: number; peakRss: number; tracks: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['bin/cadence.js', 'reindex', '--json'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const rss = samplePeakRss(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const s = seconds(started);
  const peakRss = rss.stop();
  if (code !== 0) throw new Error(`cadence reindex exited ${code}: ${stderr.slice(-3000)}`);
  return { s, peakRss, tracks: (JSON.parse(stdout) as { tracks: number }).tracks };
}

function catalogFacts(path: string): { tracks: number; position: number } {
  const catalog = openCatalog(path, { readonly: true });
  try {
    const db = new Database(path, { readonly: true });
    const { tracks } = db.prepare('SELECT count(*) AS tracks FROM tracks WHERE current_version IS NOT NULL').get() as { tracks: number };
    db.close();
    return { tracks, position: catalog.journalPosition().number };
  } finally {
    catalog.close();
  }
}

// --- the run ----------------------------------------------------------------------------------------

const scratch = values.keep ?? (await mkdtemp(join(tmpdir(), 'cadence-bench-start-')));
try {
  mkdirSync(scratch, { recursive: true });
  const root = join(scratch, 'objects');
  const env = {
    CADENCE_STORE: `file://${root}`,
    CADENCE_SIGNING_KEYS: 'bench:journal-start-secret-0123456789',
    CADENCE_AUTH_LOCAL_KEY: join(scratch, 'auth-key.jwk'),
    CADENCE_SNAPSHOT_EVERY: '0',
    LOG_LEVEL: 'warn',
  };

  // One real packaged version whose objects every synthetic version shares.
  await makeMaster({ path: join(scratch, 'master.wav'), seconds: 8, seed: 5 });
  const packaged = await runCadence(['package', join(scratch, 'master.wav'), '--out', join(scratch, 'packaged')], { env, timeoutMs: 300_000 });
  if (packaged.code !== 0) throw new Error(`cadence package: ${packaged.stderr}`);
  const description = JSON.parse(readFileSync(join(scratch, 'packaged', DESCRIPTION_FILE), 'utf8')) as MediaDescription;
  const layout = new LayoutWriter(root, join(scratch, 'packaged'));
  const objectsPerVersion = readdirSync(join(scratch, 'packaged')).length + 1;

  const inputOf = (index: number): PublishInput => {
    const meta = metaOf(index);
    const isrc = meta.track.isrc;
    const version = versionOf(isrc);
    return { release: meta.release, track: meta.track, version: versionRecord(isrc, version, { meta, description, completedAt: new Date('2026-01-15T12:00:00Z') }) };
  };

  let at = Date.parse('2026-01-15T12:00:00Z');
  const building = process.hrtime.bigint();
  for (let index = 0; index < BEFORE; index++) {
    const input = inputOf(index);
    layout.writeVersion(input.track.isrc, input.version.version, { release: input.release, track: input.track, masterSha256: input.version.masterSha256 ?? undefined });
    const entry: JournalEntry = { number: index + 1, at: new Date((at += 1000)).toISOString(), writer: 'bench/setup', change: { kind: 'publish', input } };
    layout.writeObject(journalEntryKey(entry.number), `${JSON.stringify(entry)}\n`);
    if ((index + 1) % 20_000 === 0) process.stderr.write(`stored ${index + 1} versions + entries, ${seconds(building).toFixed(0)} s\n`);
  }
  const buildS = seconds(building);
  const store = new FsObjectStore({ root });
  const check = await readStoredVersion(store, isrcOf(0), versionOf(isrcOf(0)));
  if (!check || check.meta.track.isrc !== isrcOf(0) || (await store.head(`${versionPrefix(isrcOf(0), versionOf(isrcOf(0)))}${META_FILE}`))?.sha256 === null) {
    throw new Error('the folder layout written by the bench does not read back through the folder driver');
  }

  // The journal replayed from nothing (what a node without any snapshot does), in this process.
  const writerPath = join(scratch, 'writer.db');
  const writer = openCatalog(writerPath);
  const replaying = process.hrtime.bigint();
  const replayed = await catchUp({ store, catalog: writer });
  const replayS = seconds(replaying);
  writer.close();
  const snapshot = await runCadence(['snapshot'], { env: { ...env, CADENCE_CATALOG: writerPath } });
  if (snapshot.code !== 0) throw new Error(`cadence snapshot: ${snapshot.stderr}`);

  // Published after the snapshot through the real journal writer (fsynced, create-only puts).
  const live = openCatalog(writerPath);
  const journal = createJournalWriter({ store, catalog: live });
  for (let index = BEFORE; index < TRACKS; index++) {
    const input = inputOf(index);
    layout.writeVersion(input.track.isrc, input.version.version, { release: input.release, track: input.track, masterSha256: input.version.masterSha256 ?? undefined });
    await journal.append({ kind: 'publish', input });
  }
  live.close();
  process.stderr.write(`setup done: ${TRACKS} versions (${objectsPerVersion} objects each), ${TRACKS} journal entries, snapshot at ${BEFORE}\n`);

  const probe = 'zephyrine last light';
  const node = await timeNode({ ...env, CADENCE_CATALOG: join(scratch, 'node.db') }, probe);
  const restart = await timeNode({ ...env, CADENCE_CATALOG: join(scratch, 'node.db') }, probe);
  const reindex = await timeReindex({ ...env, CADENCE_CATALOG: join(scratch, 'reindex.db') });

  const nodeFacts = catalogFacts(join(scratch, 'node.db'));
  const reindexFacts = catalogFacts(join(scratch, 'reindex.db'));
  if (nodeFacts.tracks !== TRACKS || reindexFacts.tracks !== TRACKS || reindex.tracks !== TRACKS) {
    throw new Error(`expected ${TRACKS} tracks: node ${nodeFacts.tracks}, reindex ${reindexFacts.tracks} (reported ${reindex.tracks})`);
  }
  const snapshotBytes = statSync(join(root, 'journal', 'snapshots', readdirSync(join(root, 'journal', 'snapshots'))[0]!)).size;
  const row = (name: string, s: number, extra: string): string => `${name.padEnd(52)} ${s.toFixed(2).padStart(8)} s   ${extra}`;
  process.stdout.write(
    [
      `${TRACKS.toLocaleString('en')} tracks published; folder store; snapshot at entry ${BEFORE.toLocaleString('en')} (${mib(snapshotBytes)}), ${AFTER.toLocaleString('en')} entries after it`,
      `store: ${objectsPerVersion} objects per version (one real packaged version hard-linked), layout written in ${buildS.toFixed(0)} s`,
      row('new node: serve --follow, empty catalog -> listening', node.listeningS, `(snapshot + catch-up ${node.followMs ?? '?'} ms of it)`),
      row('new node: -> answers a search for the newest track', node.searchS, `peak RSS ${mib(node.peakRss)} (primary + 2 workers)`),
      row('cadence reindex into an empty catalog', reindex.s, `peak RSS ${mib(reindex.peakRss)}; ${(TRACKS / reindex.s).toFixed(0)} tracks/s`),
      `reindex / new node (to search): ${(reindex.s / node.searchS).toFixed(1)} x`,
      row('restart of that node on its own catalog -> search', restart.searchS, `peak RSS ${mib(restart.peakRss)} (process start alone)`),
      row(`journal replay from nothing, ${replayed.toLocaleString('en')} entries (catchUp, in-process)`, replayS, `${(replayed / replayS).toFixed(0)} entries/s`),
      `both catalogs: ${TRACKS.toLocaleString('en')} tracks; journal position node ${nodeFacts.position}, reindex ${reindexFacts.position}`,
      '',
    ].join('\n'),
  );
} finally {
  if (!values.keep) await rm(scratch, { recursive: true, force: true });
}
