// applyDdexMessage and the release's track list: a message for a known release is an update, and a
// track it no longer lists leaves the release. A real catalog, a real file store and a real journal
// writer; the release's tracks are published by the `ingest` it is given (the pipeline's own
// publish step, no encoding; test/ddex-updates.e2e.test.ts runs the whole path with ffmpeg).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import type { MessageInfo } from '../ddex/types.ts';
import { catchUp } from '../journal/catch-up.ts';
import { createJournalWriter, type JournalWriter } from '../journal/journal-writer.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { RELEASE_REMOVALS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import { appliedKind, applyDdexMessage } from './ddex-apply.ts';
import type { DdexReleaseLoad } from './ddex-delivery.ts';
import type { Delivery } from './delivery-model.ts';
import type { IngestReport } from './ingest.ts';
import { publishVersion } from './publish-version.ts';

const UPC = '012345678905';
const OTHER = '036000291452';
const ISRCS = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'];
let dir: string;
let store: ObjectStore;
let catalog: Catalog;
let journal: JournalWriter;
const opened: Catalog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-ddex-apply-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
  catalog = openCatalog(join(dir, 'writer.db'));
  opened.push(catalog);
  journal = createJournalWriter({ store, catalog });
});
afterEach(() => {
  for (const each of opened.splice(0)) each.close();
  rmSync(dir, { recursive: true, force: true });
});

function message(id: string, createdAt: string, kind: MessageInfo['kind'] = 'new'): MessageInfo {
  return { kind, ernVersion: '4.3', id, threadId: null, createdAt, sender: { partyId: 'PADPIDA2026120101A', name: 'Northern Lights' }, recipients: [], controlType: null };
}

/** A release message listing these tracks of `upc` (all with the same master). */
function load(info: MessageInfo, isrcs: string[], upc = UPC): DdexReleaseLoad {
  const sample = samplePublish({ upc });
  const delivery: Delivery = {
    file: join(dir, `${info.id}.xml`),
    release: sample.release,
    cover: null,
    warnings: [],
    tracks: isrcs.map((isrc, i) => ({ isrc, title: `Track ${i + 1}`, artists: ['Ilse Varga'], trackNumber: i + 1, discNumber: 1, explicit: false, masterPath: '/nowhere.wav', master: {} as never })),
  };
  return { kind: 'release', file: delivery.file, message: info, delivery, knownAs: [{ id: upc, location: '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId/ICPN' }], takedown: null, trackTakedowns: [], warnings: [] };
}

/** Publishes every track through the journal: what the pipeline's ingest ends with. */
async function ingest(delivery: Delivery): Promise<IngestReport> {
  for (const track of delivery.tracks) {
    const input = samplePublish({ isrc: track.isrc, upc: delivery.release.upc, title: track.title });
    input.track.trackNumber = track.trackNumber;
    await publishVersion({ catalog, journal }, input);
  }
  const tracks = delivery.tracks.map((t) => ({ isrc: t.isrc, title: t.title, state: 'published' as const, version: 'v1', error: null, seconds: 0 }));
  return { delivery: delivery.file, upc: delivery.release.upc, dryRun: false, tracks, published: tracks.length, skipped: 0, failed: 0, aborted: 0 };
}

const apply = (l: DdexReleaseLoad) => applyDdexMessage({ store, catalog, load: l, ingest, journal });

describe('a DDEX message for a release already known', () => {
  it('is applied as an update, whatever kind it declares', async () => {
    expect(appliedKind('new', false)).toBe('new');
    expect(appliedKind('new', true)).toBe('update');
    expect(appliedKind('update', false)).toBe('update');
    expect(appliedKind('purge', true)).toBe('purge');

    expect(await apply(load(message('M-1', '2026-12-01T09:00:00Z'), ISRCS))).toMatchObject({ status: 'applied', kind: 'new', appliedAs: 'new' });
    expect(await apply(load(message('M-2', '2026-12-01T10:00:00Z'), ISRCS))).toMatchObject({ status: 'applied', kind: 'new', appliedAs: 'update' });
  });

  it('takes a track it no longer lists off the release, on every following node, and takes it down when no release holds it', async () => {
    await apply(load(message('M-1', '2026-12-01T09:00:00Z'), ISRCS));
    const dropped = ISRCS[2]!;
    const outcome = await apply(load(message('M-2', '2026-12-01T10:00:00Z'), ISRCS.slice(0, 2)));
    expect(outcome).toMatchObject({ appliedAs: 'update', dropped: [dropped], onNoRelease: [dropped], takenDown: [dropped] });
    expect(catalog.listTracks({ upc: UPC })!.map((t) => t.isrc)).toEqual(ISRCS.slice(0, 2));
    expect(catalog.availability(dropped)?.takedown).toMatchObject({ source: 'ddex', messageId: 'M-2', reason: `dropped from release ${UPC} (now on no release) in DDEX message M-2` });
    expect(catalog.search({ q: 'track 3' })).toEqual([]);

    // Recorded for reindex, and one journal entry every node applies.
    const records: string[] = [];
    for await (const { key } of store.list(RELEASE_REMOVALS_PREFIX)) records.push(JSON.parse((await store.getBytes(key)).toString('utf8')).isrcs);
    expect(records).toEqual([[dropped]]);
    const follower = openCatalog(join(dir, 'follower.db'));
    opened.push(follower);
    await catchUp({ store, catalog: follower });
    expect(follower.listTracks({ upc: UPC })!.map((t) => t.isrc)).toEqual(ISRCS.slice(0, 2));
    expect(follower.getTrack(dropped)!.releases).toEqual([]);
    expect(follower.availability(dropped)?.takedown?.reason).toMatch(/on no release/);

    // A newer message that lists it again puts it back and restores it.
    const back = await apply(load(message('M-3', '2026-12-01T11:00:00Z'), ISRCS));
    expect(back).toMatchObject({ dropped: [], restored: [dropped] });
    expect(catalog.getTrack(dropped)!.releases.map((r) => r.upc)).toEqual([UPC]);
    expect(catalog.availability(dropped)?.takedown).toBeNull();
  });

  it('leaves a dropped track that another release still holds playable, owned by that release', async () => {
    await apply(load(message('M-1', '2026-12-01T09:00:00Z'), ISRCS));
    await apply(load(message('S-1', '2026-12-01T09:30:00Z'), [ISRCS[2]!], OTHER));
    const outcome = await apply(load(message('M-2', '2026-12-01T10:00:00Z'), ISRCS.slice(0, 2)));
    expect(outcome).toMatchObject({ dropped: [ISRCS[2]], onNoRelease: [], takenDown: [] });
    const view = catalog.getTrack(ISRCS[2]!)!;
    expect([view.release.upc, view.releases.map((r) => r.upc)]).toEqual([OTHER, [OTHER]]);
    expect(catalog.availability(ISRCS[2]!)?.takedown).toBeNull();
  });

  it("an operator's takedown of a dropped track keeps its reason", async () => {
    await apply(load(message('M-1', '2026-12-01T09:00:00Z'), ISRCS));
    catalog.setTakedown({ isrcs: [ISRCS[2]!] }, { source: 'operator', reason: 'legal hold', at: '2026-12-01T09:45:00.000Z' });
    const outcome = await apply(load(message('M-2', '2026-12-01T10:00:00Z'), ISRCS.slice(0, 2)));
    expect(outcome).toMatchObject({ onNoRelease: [ISRCS[2]], takenDown: [] });
    expect(catalog.availability(ISRCS[2]!)?.takedown?.reason).toBe('legal hold');
  });
});
