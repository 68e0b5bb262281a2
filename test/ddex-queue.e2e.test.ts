// DDEX ERN ingest through the queue (issues 12 and 14 together), every part a real process on
// loopback: a redis-server, two `cadence worker`s (each with its own catalog file, as on two
// machines; a third started later from an empty catalog), one `cadence serve` node following the
// publish journal (its own catalog file), and `cadence ingest` run as a label engineer would,
// with CADENCE_QUEUE set and a catalog file of its own. An ERN 4.3 album and an ERN 3.8.2 release publish once per track through the workers
// and play on the node; an update of titles and a deal encodes nothing (a counting ffmpeg in the
// workers records no call); TakeDown deals and a purge take the release down on the node;
// acknowledgements are written as in-process; `--detach` with a DDEX folder is refused, saying why.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErnMessageSpec, ernMessage, sampleRelease, STREAMING_DEALS } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { journalHead, readJournalEntry } from '../journal/journal-store.ts';
import type { JobView } from '../queue/types.ts';
import { openObjectStore } from '../storage/open-store.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { countingFfmpeg } from './helpers/counting-ffmpeg.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { isRunning, startWorker, waitFor, type WorkerProcess } from './helpers/queue-worker.ts';
import { startRedis, type TestRedis } from './helpers/redis-server.ts';
import { storedVersions } from './helpers/published-check.ts';
import { type ServeProcess, startServe, waitForGrant } from './helpers/serve-process.ts';
import { nodeEnv } from './helpers/node-env.ts';

const run = promisify(execFile);
const ALBUM_UPC = '012345678905';
const EP_UPC = '036000291452';

let scratch: string;
let redis: TestRedis;
let node: ServeProcess;
let acks: string;
let calls: string;
let wrapper: string;
const workers: WorkerProcess[] = [];

function spec(options: Parameters<typeof sampleRelease>[0], icpn: string): ErnMessageSpec {
  const made = sampleRelease(options);
  made.release.icpn = icpn;
  made.release.grid = undefined;
  for (const track of made.tracks) track.file = track.file.replace('.flac', '.wav');
  return made;
}

const album = spec({ family: '4.3', tracks: 4, series: 71, messageId: 'Q-ALBUM-1', createdAt: '2026-12-01T09:00:00Z' }, ALBUM_UPC);
const ep = spec({ family: '3.8.2', tracks: 2, discs: 2, series: 72, messageId: 'Q-EP-1', createdAt: '2026-12-01T09:05:00Z' }, EP_UPC);
const allIsrcs = [...album.tracks, ...ep.tracks].map((track) => track.isrc);

function envOf(catalog: string): NodeJS.ProcessEnv {
  return nodeEnv(scratch, catalog, {
    CADENCE_QUEUE: redis.url,
    // The node is nudged over Redis; the poll is only the fallback.
    CADENCE_JOURNAL_POLL_MS: '1000',
    LOG_LEVEL: 'warn',
  });
}

/** `cadence ingest` as the label engineer runs it: its own catalog file, the queue set. */
async function ingest(path: string, args: string[], catalog = 'engineer.db') {
  return runCadence(['ingest', path, ...args], { env: envOf(catalog), timeoutMs: 180_000 });
}

async function ack(messageId: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(acks, `${messageId}.json`), 'utf8'));
}

async function jobs(): Promise<JobView[]> {
  const result = await runCadence(['jobs', '--json'], { env: envOf('engineer.db') });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { jobs: JobView[] }).jobs;
}

async function onNode(path: string, tier?: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${node.url}${path}`, tier ? { headers: await authorization({ tier, listener: `ddex-queue-${tier}` }) } : {});
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Polls the node until `probe` holds (it follows the journal asynchronously). */
async function nodeShows(what: string, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(what, probe, 20_000, 100);
}

async function journalChanges(): Promise<Array<{ kind: string; isrc?: string; isrcs?: string[]; takedown?: unknown }>> {
  const store = openObjectStore(envOf('x').CADENCE_STORE!, {});
  try {
    const head = await journalHead(store);
    const changes = [];
    for (let number = 1; number <= head; number++) {
      const { change } = (await readJournalEntry(store, number))!;
      changes.push(change.kind === 'publish' ? { kind: change.kind, isrc: change.input.track.isrc } : { kind: change.kind, ...(change as object) });
    }
    return changes;
  } finally {
    await store.close?.();
  }
}

async function expectOneVersionEach(): Promise<void> {
  const store = openObjectStore(envOf('x').CADENCE_STORE!, {});
  try {
    const versions = await storedVersions(store);
    for (const isrc of allIsrcs) expect([...versions.keys()].filter((id) => id.startsWith(`${isrc}/`)), isrc).toHaveLength(1);
  } finally {
    await store.close?.();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-queue-'));
  acks = join(scratch, 'acks');
  redis = await startRedis();
  // Each worker's ffmpeg records every call except `-version` (the build id), then runs the real one.
  ({ path: wrapper, calls } = await countingFfmpeg(scratch));
  for (const name of ['worker-1.db', 'worker-2.db']) workers.push(await startWorker({ ...envOf(name), FFMPEG_PATH: wrapper }));
  node = await startServe({ env: envOf('node.db'), args: ['--workers', '1'] });
  const incoming = join(scratch, 'incoming');
  await writeReleaseFolder(join(incoming, ALBUM_UPC), album, { seconds: 2, messageFile: 'album.xml' });
  await writeReleaseFolder(join(incoming, EP_UPC), ep, { seconds: 2, algorithm: 'SHA-256' });
}, 120_000);

afterAll(async () => {
  await node?.stop('SIGKILL');
  for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  await redis?.close();
  // Nothing this suite started is left running.
  for (const pid of [node?.child.pid, ...workers.map((worker) => worker.pid)]) if (pid) expect(await isRunning(pid), `process ${pid}`).toBe(false);
  await rm(scratch, { recursive: true, force: true });
});

describe('DDEX messages through the queue', () => {
  it('an ERN 4.3 album and an ERN 3.8.2 release (--batch) publish once per track through two workers and play on a following node', async () => {
    const result = await ingest(join(scratch, 'incoming'), ['--batch', '--json', '--ack', acks]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    expect(report.messages.map((m: any) => [m.message.id, m.status, m.published, m.failed])).toEqual([
      ['Q-ALBUM-1', 'applied', 4, 0],
      ['Q-EP-1', 'applied', 2, 0],
    ]);
    expect(report.messages[0].tracks.map((t: any) => [t.isrc, t.state, t.change])).toEqual(album.tracks.map((t) => [t.isrc, 'published', 'new-track']));

    // Once per track: one journal entry and one stored version each, one job each.
    const changes = await journalChanges();
    expect(changes.map((change) => change.kind)).toEqual(Array(6).fill('publish'));
    expect(changes.map((change) => change.isrc).sort()).toEqual([...allIsrcs].sort());
    await expectOneVersionEach();
    const queued = await jobs();
    expect(queued.map((job) => job.isrc).sort()).toEqual([...allIsrcs].sort());
    expect(queued.every((job) => job.state === 'completed')).toBe(true);
    // Both workers had work (two catalogs, one journal).
    expect((await readFile(calls, 'utf8')).length).toBeGreaterThan(0);

    // The following node grants every track, with the facts the messages gave.
    for (const isrc of allIsrcs) await waitForGrant(node, isrc, await authorization({ tier: 'hifi' }), { withinMs: 20_000 });
    const epTracks = await Promise.all(ep.tracks.map(async (t) => (await onNode(`/v1/tracks/${t.isrc}`)).body));
    expect(epTracks.map((t) => [t.title, t.discNumber, t.trackNumber, t.release.upc])).toEqual([
      [ep.tracks[0]!.title, 1, 1, EP_UPC],
      [ep.tracks[1]!.title, 2, 1, EP_UPC],
    ]);
    const grant = await waitForGrant(node, album.tracks[3]!.isrc, await authorization({ tier: 'free' }), { withinMs: 5_000 });
    await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${node.url}${grant.hls}`, '-f', 'null', '-']);
    const db = new Database(join(scratch, 'node.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT isrc, COUNT(*) AS n FROM versions GROUP BY isrc').all() as Array<{ isrc: string; n: number }>;
      expect(rows.map((row) => [row.isrc, row.n]).sort()).toEqual([...allIsrcs].sort().map((isrc) => [isrc, 1]));
    } finally {
      db.close();
    }

    // Acknowledged as the in-process ingest does: the outcome and each track's state.
    const albumAck = await ack('Q-ALBUM-1');
    expect(albumAck).toMatchObject({ messageId: 'Q-ALBUM-1', messageKind: 'new', upc: ALBUM_UPC, status: 'applied', problems: [], takenDown: [], restored: [] });
    expect(albumAck.tracks).toEqual(album.tracks.map((t) => ({ isrc: t.isrc, state: 'published', error: null })));
    expect(await ack('Q-EP-1')).toMatchObject({ status: 'applied', upc: EP_UPC, tracks: [{ state: 'published' }, { state: 'published' }] });
  }, 240_000);

  it('an update of titles and a deal, taken by a worker started later from an empty catalog, runs no encode; the node shows the title and refuses the free tier', async () => {
    // The first workers stop cleanly; a new machine's worker, whose catalog has seen nothing, takes over.
    for (const worker of workers) {
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
    // A snapshot of the engineer's catalog (caught up by its ingest): the new worker starts from it, not from entry 1.
    const snapshot = await runCadence(['snapshot'], { env: envOf('engineer.db') });
    expect(snapshot.code, snapshot.stderr).toBe(0);
    const late = await startWorker({ ...envOf('worker-3.db'), FFMPEG_PATH: wrapper });
    workers.push(late);
    expect(late.stderr()).toMatch(/worker \d+ ready: .*catalog from the snapshot at journal entry [1-9]\d*/);
    const folder = join(scratch, 'incoming', EP_UPC);
    const update = structuredClone(ep);
    Object.assign(update, { kind: 'update', messageId: 'Q-EP-2', createdAt: '2026-12-02T12:00:00Z' });
    update.tracks[0]!.title = 'Movement 1 (New Title)';
    update.deals = [STREAMING_DEALS[0]!]; // subscription only: the free tier loses it
    await writeReleaseFolder(folder, update, { reuseMasters: true, algorithm: 'SHA-256' });
    await writeFile(calls, '');
    const [first, second] = ep.tracks.map((t) => t.isrc) as [string, string];

    const updated = await ingest(folder, ['--json', '--ack', acks]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ status: 'applied', published: 2, failed: 0, tracks: [{ isrc: first, change: 'metadata' }, { isrc: second, change: 'metadata' }] });
    expect(await readFile(calls, 'utf8')).toBe(''); // no encode, no decode: no ffmpeg ran in either worker
    await expectOneVersionEach();
    expect((await ack('Q-EP-2')).status).toBe('applied');

    await nodeShows('the new title on the node', async () => (await onNode(`/v1/tracks/${first}`)).body.title === 'Movement 1 (New Title)');
    await nodeShows('the free tier refused on the node', async () => (await onNode(`/v1/tracks/${second}/playback`, 'free')).body.error === 'tier_not_licensed');
    expect((await onNode(`/v1/tracks/${second}/playback`, 'premium')).status).toBe(200);
  }, 120_000);

  it('a TakeDown deal takes the release down on the node, even from an engineer whose catalog has never seen it; a newer message restores it', async () => {
    const folder = join(scratch, 'incoming', ALBUM_UPC);
    const takedown = { ...structuredClone(album), kind: 'update' as const, messageId: 'Q-ALBUM-2', createdAt: '2026-12-02T11:00:00Z' };
    takedown.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], takedown: true }];
    await writeReleaseFolder(folder, takedown, { reuseMasters: true, messageFile: 'album.xml' });
    await writeFile(calls, '');
    // A second engineer's machine: a catalog file that starts empty.
    const result = await ingest(folder, ['--json', '--ack', acks], 'engineer-2.db');
    expect(result.code, result.stderr).toBe(0);
    const isrcs = album.tracks.map((t) => t.isrc);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'applied', takenDown: isrcs });
    expect(await readFile(calls, 'utf8')).toBe('');
    expect((await ack('Q-ALBUM-2')).takenDown).toEqual(isrcs);
    for (const isrc of isrcs) await nodeShows(`${isrc} taken down on the node`, async () => (await onNode(`/v1/tracks/${isrc}/playback`, 'hifi')).body.error === 'taken_down');

    const back = { ...structuredClone(album), kind: 'update' as const, messageId: 'Q-ALBUM-3', createdAt: '2026-12-02T12:00:00Z' };
    await writeReleaseFolder(folder, back, { reuseMasters: true, messageFile: 'album.xml' });
    const restored = await ingest(folder, ['--json', '--ack', acks], 'engineer-3.db');
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ status: 'applied', takenDown: [], restored: isrcs });
    for (const isrc of isrcs) await waitForGrant(node, isrc, await authorization({ tier: 'hifi' }), { withinMs: 20_000 });
  }, 120_000);

  it('a purge message takes the release down on the node and is acknowledged', async () => {
    const folder = join(scratch, 'purge');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'purge.xml'), ernMessage({ ...structuredClone(album), kind: 'purge', messageId: 'Q-ALBUM-4', createdAt: '2026-12-02T13:00:00Z' }));
    const purged = await ingest(folder, ['--json', '--ack', acks], 'engineer-4.db');
    expect(purged.code, purged.stderr).toBe(0);
    const isrcs = album.tracks.map((t) => t.isrc);
    expect(JSON.parse(purged.stdout)).toMatchObject({ status: 'applied', takenDown: isrcs });
    expect(await ack('Q-ALBUM-4')).toMatchObject({ status: 'applied', messageKind: 'purge', takenDown: isrcs });
    for (const isrc of isrcs) await nodeShows(`${isrc} purged on the node`, async () => (await onNode(`/v1/tracks/${isrc}/playback`, 'hifi')).body.error === 'taken_down');
    // The other release is untouched.
    expect((await onNode(`/v1/tracks/${ep.tracks[0]!.isrc}/playback`, 'hifi')).status).toBe(200);
    const last = (await journalChanges()).at(-1)!;
    expect(last).toMatchObject({ kind: 'availability', isrcs });
  }, 60_000);

  it('a release known by its GRid goes through the workers; an update that lists one track less drops it on the node, with no encode', async () => {
    const trio = sampleRelease({ family: '4.3', tracks: 3, series: 73, messageId: 'Q-TRIO-1', createdAt: '2026-12-02T14:00:00Z' });
    trio.release.icpn = undefined;
    const releaseId = 'grid:A12425GABC1234002M';
    const folder = join(scratch, 'incoming-trio', 'trio');
    await writeReleaseFolder(folder, trio, { messageFile: 'trio.xml' });
    const first = await ingest(folder, ['--json', '--ack', acks]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'applied', releaseId, upc: null, published: 3 });
    const [kept, , dropped] = trio.tracks.map((t) => t.isrc) as [string, string, string];
    await waitForGrant(node, dropped, await authorization({ tier: 'hifi' }), { withinMs: 20_000 });

    const shorter = { ...structuredClone(trio), messageId: 'Q-TRIO-2', createdAt: '2026-12-02T15:00:00Z' };
    shorter.tracks = shorter.tracks.slice(0, 2);
    await writeReleaseFolder(folder, shorter, { reuseMasters: true, messageFile: 'trio.xml' });
    await writeFile(calls, '');
    const update = await ingest(folder, ['--json', '--ack', acks]);
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout)).toMatchObject({ status: 'applied', message: { appliedAs: 'update' }, dropped: [dropped], onNoRelease: [dropped] });
    expect(await ack('Q-TRIO-2')).toMatchObject({ messageKind: 'update', declaredKind: 'new', releaseId });
    expect(await readFile(calls, 'utf8')).toBe('');
    await nodeShows('the dropped track gone from the node', async () => (await onNode(`/v1/tracks/${dropped}`)).body.error === 'not_on_any_release');
    expect((await onNode(`/v1/tracks/${dropped}/playback`, 'hifi')).body.error).toBe('taken_down');
    expect((await onNode(`/v1/tracks/${kept}/playback`, 'hifi')).status).toBe(200);
  }, 120_000);

  it('--detach with a DDEX folder is refused with BAD_INPUT saying why, nothing queued; an unreachable Redis fails the message, acknowledged', async () => {
    const before = await jobs();
    const folder = join(scratch, 'incoming', EP_UPC);
    const later = { ...structuredClone(ep), kind: 'update' as const, messageId: 'Q-EP-3', createdAt: '2026-12-03T09:00:00Z' };
    later.tracks[1]!.title = 'Never Queued';
    await writeReleaseFolder(folder, later, { reuseMasters: true, algorithm: 'SHA-256' });
    for (const args of [[folder, '--detach'], [join(scratch, 'incoming'), '--batch', '--detach', '--ack', acks]]) {
      const result = await runCadence(['ingest', ...args], { env: envOf('engineer.db') });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/^BAD_INPUT: --detach is for JSON deliveries: .+ run it without --detach/);
      expect(result.stderr).not.toMatch(/\n {4}at /);
    }
    expect((await jobs()).map((job) => [job.id, job.state])).toEqual(before.map((job) => [job.id, job.state]));
    await expect(readFile(join(acks, 'Q-EP-3.json'))).rejects.toThrow(/ENOENT/);
    expect((await onNode(`/v1/tracks/${ep.tracks[1]!.isrc}`)).body.title).not.toBe('Never Queued');

    // Redis unreachable: the message fails with the queue's error, acknowledged, and is not recorded as applied.
    const unreachable = await runCadence(['ingest', folder, '--ack', acks], { env: { ...envOf('engineer.db'), CADENCE_QUEUE: 'redis://127.0.0.1:1' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^QUEUE: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0 \(CADENCE_QUEUE\)/);
    expect(await ack('Q-EP-3')).toMatchObject({ status: 'failed', problems: [{ code: 'QUEUE' }] });
    const retried = await ingest(folder, ['--json']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ status: 'applied', tracks: [{ change: 'metadata' }, { change: 'metadata' }] });

    const last = workers.at(-1)!;
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  }, 60_000);
});
