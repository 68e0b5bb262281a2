// Takedowns and restores as publish-journal entries (pipeline/takedown-records.ts with a journal
// writer): applied once by every catalog that follows, in order with publishes, in snapshots, and
// still recorded under takedowns/ for reindex.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish } from '../catalog/test-support.ts';
import type { Catalog, JournalEntry } from '../catalog/types.ts';
import { CadenceError } from '../errors/cadence-error.ts';
import type { TakedownRequest } from '../listeners/rights-model.ts';
import { changeAvailability, replayAvailability } from '../pipeline/takedown-records.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { TAKEDOWNS_PREFIX } from '../storage/layout.ts';
import type { ObjectStore } from '../storage/types.ts';
import { catchUp } from './catch-up.ts';
import { journalHead, readJournalEntry } from './journal-store.ts';
import { createJournalWriter } from './journal-writer.ts';
import { restoreSnapshotIfNew, writeSnapshot } from './snapshot.ts';

const FIRST = 'GBAYE2600001';
const SECOND = 'GBAYE2600002';
const THIRD = 'GBAYE2600003';
const UPC = '012345678905';
let dir: string;
let store: ObjectStore;
const opened: Catalog[] = [];

function catalogAt(name: string): Catalog {
  const catalog = openCatalog(join(dir, `${name}.db`));
  opened.push(catalog);
  return catalog;
}

const at = (iso: string) => () => new Date(iso);
const operator = (reason: string): TakedownRequest => ({ source: 'operator', reason });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cadence-journal-availability-'));
  store = new FsObjectStore({ root: join(dir, 'objects') });
});
afterEach(() => {
  for (const catalog of opened.splice(0)) catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('availability entries in the publish journal', () => {
  it('a takedown is one entry every follower applies exactly once, with the journal position', async () => {
    const writerCatalog = catalogAt('writer');
    const journal = createJournalWriter({ store, catalog: writerCatalog });
    await journal.append({ kind: 'publish', input: samplePublish() });
    const isrcs = await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [FIRST] }, takedown: operator('label request'), now: at('2026-12-03T10:00:00Z') });
    expect(isrcs).toEqual([FIRST]);
    // Applied to the writer's own catalog at once.
    expect(writerCatalog.availability(FIRST)?.takedown).toEqual({ source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' });

    const entry = (await readJournalEntry(store, 2))!;
    expect(entry.change).toEqual({ kind: 'availability', isrcs: [FIRST], takedown: { source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' } });

    const follower = catalogAt('follower');
    expect(await catchUp({ store, catalog: follower })).toBe(2);
    expect(follower.availability(FIRST)?.takedown).toEqual({ source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' });
    expect(follower.journalPosition().number).toBe(2);
    expect(follower.search({ q: 'prelude' })).toEqual([]);

    // Once: the same entry again is ignored, even after the track was restored by a later entry.
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [FIRST] }, takedown: null });
    expect(await catchUp({ store, catalog: follower })).toBe(1);
    expect(follower.applyJournalEntry(entry)).toBe(false);
    expect(follower.availability(FIRST)?.takedown).toBeNull();
    expect(follower.search({ q: 'prelude' }).map((result) => result.isrc)).toEqual([FIRST]);
  });

  it('applies in order with publishes: a release takedown names the tracks it had at its entry, and a re-publish keeps the takedown', async () => {
    const writerCatalog = catalogAt('writer');
    const journal = createJournalWriter({ store, catalog: writerCatalog });
    await journal.append({ kind: 'publish', input: samplePublish() });
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { upc: UPC }, takedown: operator('territory dispute') });
    // Published after the release takedown: not taken down by it.
    await journal.append({ kind: 'publish', input: samplePublish({ isrc: SECOND, title: 'Aubade' }) });
    // A new version of the taken-down track stays taken down.
    await journal.append({ kind: 'publish', input: samplePublish({ version: 'v2' }) });

    expect((await readJournalEntry(store, 2))!.change).toMatchObject({ kind: 'availability', isrcs: [FIRST], upc: UPC });
    const follower = catalogAt('follower');
    await catchUp({ store, catalog: follower });
    for (const catalog of [writerCatalog, follower]) {
      expect(catalog.currentVersion(FIRST)).toBe('v2');
      expect(catalog.availability(FIRST)?.takedown?.reason).toBe('territory dispute');
      expect(catalog.availability(SECOND)?.takedown).toBeNull();
    }
  });

  it('an unknown ISRC or release is NOT_FOUND and appends nothing', async () => {
    const writerCatalog = catalogAt('writer');
    const journal = createJournalWriter({ store, catalog: writerCatalog });
    await journal.append({ kind: 'publish', input: samplePublish() });
    await expect(changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: ['GBAYE2699999'] }, takedown: operator('x') })).rejects.toThrow(
      expect.objectContaining({ code: 'NOT_FOUND', message: 'no published track GBAYE2699999 in the catalog' }) as CadenceError,
    );
    await expect(changeAvailability({ store, catalog: writerCatalog, journal, target: { upc: '5901234123457' }, takedown: null })).rejects.toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }) as CadenceError,
    );
    expect(await journalHead(store)).toBe(1);
    const records = [];
    for await (const object of store.list(TAKEDOWNS_PREFIX)) records.push(object.key);
    expect(records).toEqual([]);
  });

  it('a writer behind the journal resolves the release against every entry before its own', async () => {
    const ours = catalogAt('ours');
    const theirs = catalogAt('theirs');
    await createJournalWriter({ store, catalog: ours }).append({ kind: 'publish', input: samplePublish() });
    await createJournalWriter({ store, catalog: ours }).append({ kind: 'publish', input: samplePublish({ isrc: SECOND }) });
    // `theirs` has seen neither publish: it catches up before naming the release's tracks.
    const isrcs = await changeAvailability({ store, catalog: theirs, journal: createJournalWriter({ store, catalog: theirs }), target: { upc: UPC }, takedown: operator('dispute') });
    expect(isrcs).toEqual([FIRST, SECOND]);
    expect((await readJournalEntry(store, 3))!.change).toMatchObject({ isrcs: [FIRST, SECOND] });
  });

  it('a follower missing a named track skips it instead of stopping', () => {
    const follower = catalogAt('follower');
    const entry: JournalEntry = { number: 1, at: '2026-12-03T10:00:00.000Z', writer: 'test', change: { kind: 'availability', isrcs: [FIRST], takedown: { source: 'operator', reason: 'x', at: '2026-12-03T10:00:00.000Z' } } };
    expect(follower.applyJournalEntry(entry)).toBe(true);
    expect(follower.journalPosition().number).toBe(1);
    expect(follower.availability(FIRST)).toBeNull();
  });

  it('a following catalog stores who made each takedown: the operator, or the DDEX message by its id', async () => {
    const writerCatalog = catalogAt('writer');
    const journal = createJournalWriter({ store, catalog: writerCatalog });
    await journal.append({ kind: 'publish', input: samplePublish() });
    await journal.append({ kind: 'publish', input: samplePublish({ isrc: SECOND }) });
    const byMessage: TakedownRequest = { source: 'ddex', messageId: 'ALBUM-4', reason: 'TakeDown deal in DDEX message ALBUM-4' };
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [FIRST] }, takedown: byMessage, now: at('2026-12-03T10:00:00Z') });
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [SECOND] }, takedown: operator('raised in DDEX message ALBUM-4'), now: at('2026-12-03T10:00:01Z') });
    expect((await readJournalEntry(store, 3))!.change).toMatchObject({ takedown: { source: 'ddex', messageId: 'ALBUM-4' } });

    const follower = catalogAt('follower');
    await catchUp({ store, catalog: follower });
    expect(follower.availability(FIRST)?.takedown).toEqual({ ...byMessage, at: '2026-12-03T10:00:00.000Z' });
    // The wording is not the source: this one stays the operator's.
    expect(follower.availability(SECOND)?.takedown).toEqual({ source: 'operator', reason: 'raised in DDEX message ALBUM-4', at: '2026-12-03T10:00:01.000Z' });
  });

  it('an entry written before takedowns carried a source gets the one its reason implies', () => {
    const follower = catalogAt('follower');
    follower.publishMany([samplePublish(), samplePublish({ isrc: SECOND })]);
    const old = (number: number, isrc: string, reason: string): JournalEntry =>
      ({ number, at: '2026-12-03T10:00:00.000Z', writer: 'old', change: { kind: 'availability', isrcs: [isrc], takedown: { reason, at: '2026-12-03T10:00:00.000Z' } } }) as unknown as JournalEntry;
    expect(follower.applyJournalEntry(old(1, FIRST, 'PurgeReleaseMessage in DDEX message ALBUM-2'))).toBe(true);
    expect(follower.applyJournalEntry(old(2, SECOND, 'label request'))).toBe(true);
    expect(follower.availability(FIRST)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-2' });
    expect(follower.availability(SECOND)?.takedown).toMatchObject({ source: 'operator' });
  });

  it('reindex replays the takedowns/ records with their sources; records older code wrote get the inferred one', async () => {
    const writerCatalog = catalogAt('writer');
    writerCatalog.publishMany([samplePublish(), samplePublish({ isrc: SECOND }), samplePublish({ isrc: THIRD })]);
    await changeAvailability({ store, catalog: writerCatalog, target: { isrcs: [FIRST] }, takedown: { source: 'ddex', messageId: 'ALBUM-4', reason: 'TakeDown deal' } });
    await changeAvailability({ store, catalog: writerCatalog, target: { isrcs: [SECOND] }, takedown: operator('dispute in DDEX message ALBUM-4') });
    // As code before sources wrote them: no source in the record.
    const legacy = { target: { isrcs: [THIRD] }, takedown: { reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-01T09:00:00.000Z' }, recordedAt: '2026-12-01T09:00:00.000Z' };
    await store.putBytes(`${TAKEDOWNS_PREFIX}20261201T090000000Z-000000000000.json`, JSON.stringify(legacy), { contentType: 'application/json' });

    const rebuilt = catalogAt('rebuilt');
    rebuilt.publishMany([samplePublish(), samplePublish({ isrc: SECOND }), samplePublish({ isrc: THIRD })]);
    expect(await replayAvailability({ store, catalog: rebuilt })).toBe(3);
    expect(rebuilt.availability(FIRST)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-4', reason: 'TakeDown deal' });
    expect(rebuilt.availability(SECOND)?.takedown).toMatchObject({ source: 'operator', reason: 'dispute in DDEX message ALBUM-4' });
    expect(rebuilt.availability(THIRD)?.takedown).toEqual({ source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-01T09:00:00.000Z' });
  });

  it('snapshots carry takedowns, and the takedowns/ records still rebuild them for reindex', async () => {
    const writerCatalog = catalogAt('writer');
    const journal = createJournalWriter({ store, catalog: writerCatalog });
    await journal.append({ kind: 'publish', input: samplePublish() });
    await journal.append({ kind: 'publish', input: samplePublish({ isrc: SECOND }) });
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [FIRST] }, takedown: operator('before the snapshot') });
    expect((await writeSnapshot({ store, catalog: writerCatalog })).position).toBe(3);
    await changeAvailability({ store, catalog: writerCatalog, journal, target: { isrcs: [SECOND] }, takedown: operator('after the snapshot') });

    const path = join(dir, 'late.db');
    expect((await restoreSnapshotIfNew({ store, catalogPath: path }))?.position).toBe(3);
    const late = catalogAt('late');
    expect(late.availability(FIRST)?.takedown?.reason).toBe('before the snapshot');
    expect(late.availability(FIRST)?.takedown?.source).toBe('operator');
    expect(late.availability(SECOND)?.takedown).toBeNull();
    expect(await catchUp({ store, catalog: late })).toBe(1);
    expect(late.availability(SECOND)?.takedown?.reason).toBe('after the snapshot');

    // Reindex's path: publishes from storage (here by hand), then the records replayed.
    const rebuilt = catalogAt('rebuilt');
    rebuilt.publishMany([samplePublish(), samplePublish({ isrc: SECOND })]);
    expect(await replayAvailability({ store, catalog: rebuilt })).toBe(2);
    expect(rebuilt.availability(FIRST)?.takedown?.reason).toBe('before the snapshot');
    expect(rebuilt.availability(SECOND)?.takedown?.reason).toBe('after the snapshot');
  });
});
