// DDEX ERN ingest through the real CLI, real ffmpeg and a real origin: ERN 3.8.2 and 4.3 release
// folders (a single, a 12-track album, a 2-disc album in UTF-16) play and show their order, discs,
// artists and explicit flags; an update that changes a title and a deal runs no ffmpeg encode and
// the next grant reflects both; an older update after a newer one changes nothing; deals become
// grant answers per tier and country; purge and TakeDown messages stop playback and a new message
// restores it, but never an operator's takedown (whatever its reason says); every acknowledgement
// says what happened.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { type ErnMessageSpec, sampleRelease, STREAMING_DEALS } from '../fixtures/ddex-messages.ts';
import { writeReleaseFolder } from '../fixtures/ddex-releases.ts';
import { CLIENT_FFMPEG, runCadence } from './helpers/cadence-cli.ts';
import { countingFfmpeg } from './helpers/counting-ffmpeg.ts';
import { authorization } from './helpers/listener-tokens.ts';
import { startNginxCdn } from './helpers/nginx-cdn.ts';
import { startTestOrigin, type TestOrigin } from './helpers/origin-fixture.ts';

const run = promisify(execFile);
let scratch: string;
let env: NodeJS.ProcessEnv;
let origin: TestOrigin;
let acks: string;

const ALBUM_UPC = '012345678905';
const DISCS_UPC = '036000291452';
const SINGLE_UPC = '4006381333931';
const DEALS_UPC = '5901234123457';

function spec(options: Parameters<typeof sampleRelease>[0], icpn: string, extension = '.wav'): ErnMessageSpec {
  const made = sampleRelease(options);
  made.release.icpn = icpn;
  made.release.grid = undefined;
  for (const track of made.tracks) track.file = track.file.replace('.flac', extension);
  return made;
}

const album = spec({ family: '4.3', tracks: 12, series: 82, messageId: 'ALBUM-1', createdAt: '2026-12-01T09:00:00Z' }, ALBUM_UPC);
const discs = spec({ family: '3.8.2', tracks: 4, discs: 2, series: 83, messageId: 'DISCS-1', createdAt: '2026-12-01T09:05:00Z' }, DISCS_UPC, '.flac');
const single = spec({ family: '3.8.2', tracks: 1, series: 84, messageId: 'SINGLE-1', createdAt: '2026-12-01T09:10:00Z' }, SINGLE_UPC);

async function ingest(path: string, ...args: string[]) {
  return runCadence(['ingest', path, '--json', '--ack', acks, ...args], { env, timeoutMs: 240_000 });
}

async function ack(messageId: string): Promise<Record<string, any>> {
  return JSON.parse(await readFile(join(acks, `${messageId}.json`), 'utf8'));
}

async function track(isrc: string): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${origin.url}/v1/tracks/${isrc}`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function grant(isrc: string, tier = 'hifi', country = 'GB'): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${origin.url}/v1/tracks/${isrc}/playback`, { headers: await authorization({ tier, country }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-ddex-'));
  acks = join(scratch, 'acks');
  env = { CADENCE_STORE: `file://${join(scratch, 'objects')}`, CADENCE_CATALOG: join(scratch, 'catalog.db') };
  const incoming = join(scratch, 'incoming');
  await writeReleaseFolder(join(incoming, ALBUM_UPC), album, { seconds: 2, messageFile: 'ALBUM-1.xml' });
  await writeReleaseFolder(join(incoming, DISCS_UPC), discs, { seconds: 2, utf16: true, algorithm: 'SHA-256' });
  await writeReleaseFolder(join(incoming, SINGLE_UPC), single, { seconds: 3, algorithm: 'SHA-1' });
  origin = await startTestOrigin({ env });
}, 120_000);

afterAll(async () => {
  await origin?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('DDEX release folders', () => {
  it('ingests a batch of ERN 4.3 and 3.8.2 releases (12 tracks, 2 discs in UTF-16, a single) that show and play', async () => {
    const result = await ingest(join(scratch, 'incoming'), '--batch');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    // In MessageCreatedDateTime order, one summary per message.
    expect(report.messages.map((m: any) => [m.message.id, m.status, m.published])).toEqual([
      ['ALBUM-1', 'applied', 12],
      ['DISCS-1', 'applied', 4],
      ['SINGLE-1', 'applied', 1],
    ]);
    expect((await ack('DISCS-1')).status).toBe('applied');

    // Track order, disc numbers, artists and explicit flags as the messages say.
    for (const [i, spec] of album.tracks.entries()) {
      const { status, body } = await track(spec.isrc);
      expect(status).toBe(200);
      expect(body).toMatchObject({ title: spec.title, trackNumber: i + 1, discNumber: 1, explicit: spec.explicit ?? false, album: album.release.title });
      expect(body.artists).toEqual([...spec.artists, ...(spec.featured ?? [])]);
      expect(body.release).toMatchObject({ upc: ALBUM_UPC, label: 'Northern Lights Records' });
    }
    expect(album.tracks.some((t) => t.explicit) && album.tracks.some((t) => t.featured)).toBe(true);
    // Credits with roles, the recording's own genre (else the release's) and the ℗ line.
    const first = (await track(album.tracks[0]!.isrc)).body;
    expect(first).toMatchObject({ genre: 'Classical', pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' } });
    expect(first.credits).toEqual(expect.arrayContaining([{ name: 'Ilse Varga', role: 'MainArtist' }, { name: 'Mara Holm', role: 'Producer' }]));
    expect((await track(album.tracks[3]!.isrc)).body.genre).toBe('Ambient');
    const positions = await Promise.all(discs.tracks.map(async (t) => (await track(t.isrc)).body));
    expect(positions.map((t) => [t.discNumber, t.trackNumber])).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]]);

    const search = (await (await fetch(`${origin.url}/v1/search?q=${encodeURIComponent('Movement 7')}`)).json()) as { results: Array<{ isrc: string }> };
    expect(search.results.map((r) => r.isrc)).toContain(album.tracks[6]!.isrc);

    // They play: the grant's manifests decode through the origin (AAC for free, FLAC for hi-fi).
    for (const [isrc, tier] of [[album.tracks[11]!.isrc, 'free'], [discs.tracks[3]!.isrc, 'hifi'], [single.tracks[0]!.isrc, 'premium']] as const) {
      const { status, body } = await grant(isrc, tier);
      expect(status, JSON.stringify(body)).toBe(200);
      await run(CLIENT_FFMPEG, ['-v', 'error', '-xerror', '-i', `${origin.url}${body.segments.hls}`, '-f', 'null', '-']);
    }
  }, 300_000);

  it('applies an update of a title and a deal without running ffmpeg, and ignores an older update that arrives later', async () => {
    // An ffmpeg that records every call except `-version` (the build id), then runs the real one.
    const { path: wrapper, calls } = await countingFfmpeg(scratch);
    const folder = join(scratch, 'incoming', SINGLE_UPC);
    const update = structuredClone(single);
    Object.assign(update, { kind: 'update', messageId: 'SINGLE-3', createdAt: '2026-12-02T12:00:00Z' });
    update.tracks[0]!.title = 'Borealis (Remastered Title)';
    update.deals = [STREAMING_DEALS[0]!]; // subscription only: the free tier loses it
    await writeReleaseFolder(folder, update, { reuseMasters: true, algorithm: 'SHA-1' });
    const isrc = single.tracks[0]!.isrc;
    expect((await grant(isrc, 'free')).status).toBe(200);

    const updated = await runCadence(['ingest', folder, '--json', '--ack', acks], { env: { ...env, FFMPEG_PATH: wrapper } });
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ status: 'applied', published: 1, tracks: [{ isrc, change: 'metadata' }] });
    expect(await readFile(calls, 'utf8')).toBe(''); // no encode, no decode: no ffmpeg ran
    expect((await track(isrc)).body.title).toBe('Borealis (Remastered Title)');
    expect((await grant(isrc, 'free')).body.error).toBe('tier_not_licensed');
    expect((await grant(isrc, 'premium')).status).toBe(200);

    // An update created before SINGLE-3, delivered after it: recorded, not applied.
    const older = structuredClone(single);
    Object.assign(older, { kind: 'update', messageId: 'SINGLE-2', createdAt: '2026-12-02T08:00:00Z' });
    older.tracks[0]!.title = 'Borealis (Stale Title)';
    await writeReleaseFolder(folder, older, { reuseMasters: true, algorithm: 'SHA-1' });
    const stale = await ingest(folder);
    expect(stale.code, stale.stderr).toBe(0);
    expect(JSON.parse(stale.stdout)).toMatchObject({ status: 'stale', newer: { messageId: 'SINGLE-3' } });
    expect((await track(isrc)).body.title).toBe('Borealis (Remastered Title)');
    expect((await grant(isrc, 'free')).body.error).toBe('tier_not_licensed');
    expect(await ack('SINGLE-2')).toMatchObject({ status: 'stale', newerMessage: { messageId: 'SINGLE-3', createdAt: '2026-12-02T12:00:00.000Z' } });
    const human = await runCadence(['ingest', folder], { env });
    expect(human.stdout).toMatch(/SINGLE-2 \(update, created 2026-12-02T08:00:00.000Z\): not applied: release 4006381333931 already has the newer message SINGLE-3/);
  }, 120_000);

  it('turns deals into grant answers: ended yesterday, starting tomorrow, one territory excluded, subscription only', async () => {
    const day = 86_400_000;
    const date = (offset: number) => new Date(Date.now() + offset * day).toISOString().slice(0, 10);
    const deals = spec({ family: '4.3', tracks: 4, series: 85, messageId: 'DEALS-1', createdAt: '2026-12-01T10:00:00Z' }, DEALS_UPC);
    const stream = { commercialModels: ['SubscriptionModel', 'AdvertisementSupportedModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], start: date(-30) };
    deals.release.releaseDate = date(-30);
    deals.deals = [
      { ...stream, release: 0, end: date(-1) },
      { ...stream, release: 1, start: date(1) },
      { ...stream, release: 2, excluded: ['FR'] },
      { ...stream, release: 3, commercialModels: ['SubscriptionModel'] },
    ];
    const folder = join(scratch, 'deals');
    await writeReleaseFolder(folder, deals, { seconds: 2 });
    const result = await ingest(folder);
    expect(result.code, result.stderr).toBe(0);
    const [ended, tomorrow, notFrance, subscription] = deals.tracks.map((t) => t.isrc) as [string, string, string, string];
    expect((await grant(ended)).body.error).toBe('rights_ended');
    expect((await grant(ended)).status).toBe(410);
    expect((await grant(tomorrow)).status).toBe(404);
    expect((await track(tomorrow)).status).toBe(404);
    expect((await grant(notFrance, 'hifi', 'FR')).status).toBe(451);
    expect((await grant(notFrance, 'free', 'DE')).status).toBe(200);
    expect((await grant(subscription, 'free')).status).toBe(403);
    expect((await grant(subscription, 'free')).body.error).toBe('tier_not_licensed');
    expect((await grant(subscription, 'premium', 'FR')).status).toBe(200);
  }, 120_000);

  it('stops playback on a purge and on a TakeDown deal, and restores on a newer release message', async () => {
    const folder = join(scratch, 'incoming', ALBUM_UPC);
    const isrc = album.tracks[0]!.isrc;
    const deliver = async (message: ErnMessageSpec) => {
      await rm(join(folder, 'ALBUM-1.xml'), { force: true });
      await writeReleaseFolder(folder, message, { reuseMasters: true, messageFile: 'ALBUM-1.xml' });
      const result = await ingest(folder);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    // A folder holding only a purge message is ingested like any other.
    const purgeFolder = join(scratch, 'purge');
    await mkdir(purgeFolder, { recursive: true });
    const purge = { ...structuredClone(album), kind: 'purge' as const, messageId: 'ALBUM-2', createdAt: '2026-12-02T09:00:00Z' };
    await writeFile(join(purgeFolder, 'purge.xml'), (await import('../fixtures/ddex-messages.ts')).ernMessage(purge));
    const purged = await ingest(purgeFolder);
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout).takenDown).toHaveLength(12);
    expect(await grant(isrc)).toMatchObject({ status: 410, body: { error: 'taken_down' } });
    // Through the publish journal, so every origin node following it takes the release down too.
    const entries = join(scratch, 'objects', 'journal', 'entries');
    const journal = await Promise.all((await readdir(entries)).filter((name) => name.endsWith('.json')).map((name) => readFile(join(entries, name), 'utf8')));
    const purgeEntry = journal.map((entry) => JSON.parse(entry)).find((entry) => entry.change.takedown?.reason === 'PurgeReleaseMessage in DDEX message ALBUM-2');
    expect(purgeEntry?.change.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-2' });

    const back = await deliver({ ...structuredClone(album), messageId: 'ALBUM-3', createdAt: '2026-12-02T10:00:00Z' });
    expect(back.restored).toHaveLength(12);
    expect((await grant(isrc)).status).toBe(200);

    // An operator's takedown, whatever its reason says, is the operator's: no message lifts it.
    const held = album.tracks[1]!.isrc;
    const operator = await runCadence(['takedown', '--isrc', held, '--reason', 'rights query in DDEX message ALBUM-3'], { env });
    expect(operator.code, operator.stderr).toBe(0);

    const takedown = { ...structuredClone(album), kind: 'update' as const, messageId: 'ALBUM-4', createdAt: '2026-12-02T11:00:00Z' };
    takedown.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], takedown: true }];
    // The track the operator holds is down already and stays the operator's.
    expect((await deliver(takedown)).takenDown).toHaveLength(11);
    expect(await grant(album.tracks[5]!.isrc)).toMatchObject({ status: 410, body: { error: 'taken_down', source: 'ddex', messageId: 'ALBUM-4' } });
    expect((await ack('ALBUM-4')).takenDown).toHaveLength(11);

    // Storage keeps it: a catalog rebuilt from storage alone has the takedown.
    const rebuilt = join(scratch, 'rebuilt.db');
    expect((await runCadence(['reindex'], { env: { ...env, CADENCE_CATALOG: rebuilt } })).code).toBe(0);
    const catalog = openCatalog(rebuilt);
    try {
      expect(catalog.availability(album.tracks[5]!.isrc)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-4', reason: 'TakeDown deal in DDEX message ALBUM-4' });
      expect(catalog.availability(held)?.takedown).toMatchObject({ source: 'operator', reason: 'rights query in DDEX message ALBUM-3' });
    } finally {
      catalog.close();
    }

    expect((await deliver({ ...structuredClone(album), kind: 'update', messageId: 'ALBUM-5', createdAt: '2026-12-02T12:00:00Z' })).restored).toHaveLength(11);
    expect((await grant(album.tracks[5]!.isrc)).status).toBe(200);
    expect(await grant(held)).toMatchObject({ status: 410, body: { error: 'taken_down', source: 'operator' } });
    expect((await runCadence(['track', held], { env })).stdout).toMatch(/takedown: rights query in DDEX message ALBUM-3 \(at \S+Z, by an operator\)/);
    // `cadence restore` lifts it.
    expect((await runCadence(['restore', '--isrc', held], { env })).code).toBe(0);
    expect((await grant(held)).status).toBe(200);

    // A purge created before ALBUM-5 but delivered after it changes nothing.
    await writeFile(join(purgeFolder, 'purge.xml'), (await import('../fixtures/ddex-messages.ts')).ernMessage({ ...purge, messageId: 'ALBUM-4b', createdAt: '2026-12-02T11:30:00Z' }));
    expect(JSON.parse((await ingest(purgeFolder)).stdout)).toMatchObject({ status: 'stale', takenDown: [], newer: { messageId: 'ALBUM-5' } });
    expect((await grant(album.tracks[5]!.isrc)).status).toBe(200);
  }, 180_000);

  it('keys a release without an ICPN by its GRid, or else its proprietary id, everywhere a release is named', async () => {
    const byGrid = sampleRelease({ family: '4.3', tracks: 2, series: 87, messageId: 'GRID-1', createdAt: '2026-12-01T10:00:00Z' });
    byGrid.release.icpn = undefined;
    byGrid.release.title = 'Nordlys';
    const byProprietary = sampleRelease({ family: '3.8.2', tracks: 1, series: 88, messageId: 'PROP-1', createdAt: '2026-12-01T10:05:00Z' });
    byProprietary.release.icpn = undefined;
    byProprietary.release.grid = undefined;
    byProprietary.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NLR-0042' };
    const gridId = 'grid:A12425GABC1234002M';
    const proprietaryId = 'proprietary:PADPIDA2026120301X:NLR-0042';
    const folders = join(scratch, 'without-icpn');
    await writeReleaseFolder(join(folders, 'grid'), byGrid, { seconds: 1 });
    await writeReleaseFolder(join(folders, 'proprietary'), byProprietary, { seconds: 1 });
    const result = await ingest(folders, '--batch');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).messages.map((m: any) => [m.message.id, m.status, m.published])).toEqual([
      ['GRID-1', 'applied', 2],
      ['PROP-1', 'applied', 1],
    ]);
    expect(JSON.parse(result.stdout).messages[0]).toMatchObject({ releaseId: gridId, upc: null });
    expect(await ack('GRID-1')).toMatchObject({ status: 'applied', releaseId: gridId, upc: null });

    // The answers name the release by its id and say it has no UPC; its cover is served at that id.
    const { status, body } = await track(byGrid.tracks[1]!.isrc);
    expect(status).toBe(200);
    expect(body).toMatchObject({ album: 'Nordlys', trackNumber: 2, release: { id: gridId, upc: null, grid: 'A12425GABC1234002M' } });
    expect(body.cover).toMatch(new RegExp(`^/v1/releases/${gridId}/cover\\?size=640&v=[0-9a-f]{16}$`));
    const cover = await fetch(`${origin.url}${body.cover}`);
    expect(cover.status).toBe(200);
    expect(cover.headers.get('Content-Type')).toBe('image/jpeg');
    // The nginx edge caches it like a cover named by UPC.
    const cdn = await startNginxCdn({ origin: origin.url });
    try {
      const statuses: Array<string | null> = [];
      for (let i = 0; i < 2; i++) statuses.push((await fetch(`${cdn.url}${body.cover}`)).headers.get('x-cache-status'));
      expect(statuses).toEqual(['MISS', 'HIT']);
    } finally {
      await cdn.stop();
    }
    expect((await track(byProprietary.tracks[0]!.isrc)).body.release).toMatchObject({ id: proprietaryId, upc: null, proprietaryId: { namespace: 'PADPIDA2026120301X', value: 'NLR-0042' } });
    const search = (await (await fetch(`${origin.url}/v1/search?q=Nordlys`)).json()) as { results: Array<Record<string, unknown>> };
    expect(search.results[0]).toMatchObject({ releaseId: gridId, upc: null });
    expect((await grant(byGrid.tracks[0]!.isrc)).status).toBe(200);

    // The CLI takes the id (a GRid with its hyphens too).
    const listed = await runCadence(['tracks', '--release', 'grid:A1-2425G-ABC1234002-M', '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ release: gridId, tracks: byGrid.tracks.map((t) => expect.objectContaining({ isrc: t.isrc })) });
    const restored = await runCadence(['restore', '--upc', proprietaryId, '--json'], { env });
    expect(restored.code, restored.stderr).toBe(0);
    const badId = await runCadence(['takedown', '--upc', 'grid:A12425GABC1234002N'], { env });
    expect(badId.code).not.toBe(0);
    expect(badId.stderr).toMatch(/--upc "grid:A12425GABC1234002N" is not a release id: .*wrong check character/);

    // A purge names the release by its GRid.
    const purgeFolder = join(folders, 'purge-grid');
    await mkdir(purgeFolder, { recursive: true });
    const purge = { ...structuredClone(byGrid), kind: 'purge' as const, messageId: 'GRID-2', createdAt: '2026-12-02T10:00:00Z' };
    await writeFile(join(purgeFolder, 'purge.xml'), (await import('../fixtures/ddex-messages.ts')).ernMessage(purge));
    const purged = await ingest(purgeFolder);
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout)).toMatchObject({ status: 'applied', releaseId: gridId, upc: null, takenDown: byGrid.tracks.map((t) => t.isrc) });
    expect(await grant(byGrid.tracks[0]!.isrc)).toMatchObject({ status: 410, body: { error: 'taken_down' } });
    expect((await grant(byProprietary.tracks[0]!.isrc)).status).toBe(200);
  }, 180_000);
});
