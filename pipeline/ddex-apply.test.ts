// DDEX messages lift only the takedowns a DDEX message made, by the takedown's source: an
// operator's takedown stays whatever its reason says, and `cadence restore` lifts either kind.
// A real file store, real catalogs and the real publish journal; the ingest callback publishes
// each track's facts through the journal as a worker would, without the encode (the e2e suite
// test/ddex-ingest.e2e.test.ts runs the whole path with ffmpeg).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import type { MessageInfo } from '../ddex/types.ts';
import { catchUp } from '../journal/catch-up.ts';
import { createJournalWriter } from '../journal/journal-writer.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import type { ObjectStore } from '../storage/types.ts';
import { applyDdexMessage } from './ddex-apply.ts';
import type { DdexLoad, DdexReleaseLoad } from './ddex-delivery.ts';
import type { Delivery } from './delivery-model.ts';
import type { IngestReport } from './ingest.ts';
import { changeAvailability } from './takedown-records.ts';

const UPC = '012345678905';
const [A, B, C] = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'] as const;
let dir: string;
let store: ObjectStore;
let catalog: Catalog;
const opened: Catalog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-ddex-apply-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
  catalog = openCatalog(join(dir, 'catalog.db'));
  opened.push(catalog);
});
afterEach(() => {
  for (const open of opened.splice(0)) open.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(id: string, createdAt: string, kind: MessageInfo['kind'] = 'update'): MessageInfo {
  return { kind, ernVersion: '4.3', id, threadId: null, createdAt, sender: { partyId: 'PADPIDA2026120301X', name: 'Northern Lights Records' }, recipients: [], controlType: null } as MessageInfo;
}

function delivery(): Delivery {
  const release = samplePublish().release;
  const tracks = [A, B, C].map((isrc, i) => ({
    isrc,
    title: `Movement ${i + 1}`,
    artists: ['Ilse Varga'],
    trackNumber: i + 1,
    discNumber: 1,
    explicit: false,
    masterPath: join(dir, `${isrc}.wav`),
    master: { path: join(dir, `${isrc}.wav`), format: 'wav', codec: 'pcm_s16le', sampleRate: 44_100, channels: 2, bitDepth: 16, sampleFormat: 'int', declaredSamples: 88_200, completeData: true, durationSeconds: 2 },
  })) as Delivery['tracks'];
  return { file: join(dir, 'message.xml'), release, tracks, cover: null, warnings: [] };
}

/** A release message; `takenDown` is the TakeDown deal on the main release. */
function releaseLoad(id: string, createdAt: string, { takenDown = false } = {}): DdexReleaseLoad {
  const info = message(id, createdAt);
  const reason = `TakeDown deal in DDEX message ${id}`;
  return { kind: 'release', file: join(dir, `${id}.xml`), message: info, delivery: delivery(), knownAs: [{ id: UPC, location: '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId/ICPN' }], takedown: takenDown ? { source: 'ddex', messageId: id, reason, at: info.createdAt } : null, trackTakedowns: [], warnings: [] };
}

describe('applyDdexMessage and who made a takedown', () => {
  it('restores only DDEX takedowns: an operator takedown whose reason reads "in DDEX message" stays; cadence restore lifts either', async () => {
    const journal = createJournalWriter({ store, catalog });
    // The ingest a worker runs, minus the encode: each track's facts published through the journal.
    const ingest = async (release: Delivery): Promise<IngestReport> => {
      for (const [i, track] of release.tracks.entries()) {
        await journal.append({ kind: 'publish', input: samplePublish({ isrc: track.isrc, title: track.title, version: `v${i + 1}` }) });
      }
      const tracks = release.tracks.map((track) => ({ isrc: track.isrc, title: track.title, state: 'published' as const, version: 'v1', error: null, seconds: 0 }));
      return { delivery: release.file, upc: UPC, dryRun: false, tracks, published: tracks.length, skipped: 0, failed: 0, aborted: 0 };
    };
    const apply = (load: DdexLoad) => applyDdexMessage({ store, catalog, load, ingest, journal });

    expect((await apply(releaseLoad('ALBUM-1', '2026-12-01T09:00:00.000Z'))).status).toBe('applied');
    // The operator's reason happens to carry the words older code looked for.
    await changeAvailability({ store, catalog, journal, target: { isrcs: [A] }, takedown: { source: 'operator', reason: 'dispute raised in DDEX message ALBUM-1' } });

    const down = await apply(releaseLoad('ALBUM-2', '2026-12-02T09:00:00.000Z', { takenDown: true }));
    // A was down already: it stays the operator's.
    expect(down.takenDown).toEqual([B, C]);
    expect(catalog.availability(A)?.takedown).toMatchObject({ source: 'operator', reason: 'dispute raised in DDEX message ALBUM-1' });
    expect(catalog.availability(B)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-2', reason: 'TakeDown deal in DDEX message ALBUM-2' });

    const back = await apply(releaseLoad('ALBUM-3', '2026-12-03T09:00:00.000Z'));
    expect(back.restored).toEqual([B, C]);
    expect(catalog.availability(A)?.takedown?.source).toBe('operator');
    expect(catalog.availability(B)?.takedown).toBeNull();

    // A purge takes the whole release down, yet the operator's takedown stays the operator's.
    const purge: DdexLoad = { kind: 'purge', file: join(dir, 'purge.xml'), message: message('ALBUM-4', '2026-12-04T09:00:00.000Z', 'purge'), upc: UPC, knownAs: [{ id: UPC, location: '/PurgeReleaseMessage/PurgedRelease/ReleaseId/ICPN' }], title: null, warnings: [] };
    // ... and its report (the acknowledgement's takenDown) does not name the operator's track.
    expect((await apply(purge)).takenDown).toEqual([B, C]);
    expect(catalog.availability(A)?.takedown).toMatchObject({ source: 'operator', reason: 'dispute raised in DDEX message ALBUM-1' });
    expect(catalog.availability(C)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-4', reason: 'PurgeReleaseMessage in DDEX message ALBUM-4' });
    // `cadence restore` (an operator) lifts a DDEX takedown ...
    expect(await changeAvailability({ store, catalog, journal, target: { isrcs: [C] }, takedown: null })).toEqual([C]);
    expect(catalog.availability(C)?.takedown).toBeNull();
    // ... a later message lifts the purge's, never the operator's ...
    expect((await apply(releaseLoad('ALBUM-5', '2026-12-05T09:00:00.000Z'))).restored).toEqual([B]);
    expect(catalog.availability(A)?.takedown?.source).toBe('operator');
    // ... and `cadence restore` lifts the operator's.
    await changeAvailability({ store, catalog, journal, target: { isrcs: [A] }, takedown: null });
    expect(catalog.availability(A)?.takedown).toBeNull();
    await changeAvailability({ store, catalog, journal, target: { isrcs: [B] }, takedown: { source: 'ddex', messageId: 'ALBUM-6', reason: 'by hand, as a message would' } });

    // A node following the journal ends the same, sources and all.
    const follower = openCatalog(join(dir, 'follower.db'));
    opened.push(follower);
    await catchUp({ store, catalog: follower });
    for (const isrc of [A, B, C]) expect(follower.availability(isrc)?.takedown).toEqual(catalog.availability(isrc)?.takedown);
    expect(follower.availability(B)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-6' });
  });
});
