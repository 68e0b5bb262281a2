// The release's cover (migration 12): published with the release's facts, read back with every
// release and track, carried by search results, cleared by a publish without one, and restored
// from a journal entry or facts written before covers existed as "no cover".

import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.ts';
import { openCatalog } from './open-catalog.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';
import type { Catalog, PublishInput } from './types.ts';

const SHA = 'ab'.repeat(32);
let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function fresh(): { path: string; catalog: Catalog } {
  const file = tempCatalogPath();
  cleanups.push(file.cleanup);
  const catalog = openCatalog(file.path);
  cleanups.unshift(() => catalog.close());
  return { path: file.path, catalog };
}

function withCover(input: PublishInput, cover: PublishInput['release']['cover']): PublishInput {
  return { ...input, release: { ...input.release, cover } };
}

describe('release covers in the catalog', () => {
  it('reads the published cover back on the release, the track and search results', () => {
    const { catalog } = fresh();
    catalog.publish(withCover(samplePublish(), { sha256: SHA, extension: 'png' }));
    expect(catalog.getRelease('012345678905')?.cover).toEqual({ sha256: SHA, extension: 'png' });
    expect(catalog.getTrack('GBAYE2600001')?.release.cover).toEqual({ sha256: SHA, extension: 'png' });
    expect(catalog.search({ q: 'prelude' })).toMatchObject([{ isrc: 'GBAYE2600001', upc: '012345678905', coverSha256: SHA }]);
  });

  it('a release without a cover, or facts from before covers (no field), read as null', () => {
    const { catalog } = fresh();
    const { cover: _, ...oldRelease } = samplePublish().release;
    catalog.publish({ ...samplePublish(), release: oldRelease });
    expect(catalog.getRelease('012345678905')?.cover).toBeNull();
    expect(catalog.getTrack('GBAYE2600001')?.release.cover).toBeNull();
    expect(catalog.search({ q: 'prelude' })[0]?.coverSha256).toBeNull();
  });

  it('follows the latest publish: a new cover replaces the old, none clears it', () => {
    const { catalog } = fresh();
    catalog.publish(withCover(samplePublish(), { sha256: SHA, extension: 'jpg' }));
    catalog.publish(withCover(samplePublish(), { sha256: 'cd'.repeat(32), extension: 'png' }));
    expect(catalog.getRelease('012345678905')?.cover).toEqual({ sha256: 'cd'.repeat(32), extension: 'png' });
    catalog.publish(withCover(samplePublish(), null));
    expect(catalog.getRelease('012345678905')?.cover).toBeNull();
  });

  it("knows when the release's first track starts, from the tracks' rights", () => {
    const { catalog } = fresh();
    const rights = (startsAt: string) => ({ territories: ['WW'], excludedTerritories: [], startsAt, endsAt: null, tiers: null });
    expect(catalog.releaseStartsAt('012345678905')).toBeNull();
    catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600001' }), rights: rights('2027-03-01T00:00:00.000Z') });
    catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600002', version: 'v2' }), rights: rights('2027-01-15T08:00:00+01:00') });
    expect(catalog.releaseStartsAt('012345678905')).toBe('2027-01-15T07:00:00.000Z');
    // Without rights of its own a track starts on the release date.
    catalog.publish(samplePublish({ isrc: 'GBAYE2600003', version: 'v3' }));
    expect(catalog.releaseStartsAt('012345678905')).toBe('2026-11-01T00:00:00.000Z');
  });

  it("knows when the release's last track's rights end: none while one is open-ended", () => {
    const { catalog } = fresh();
    const rights = (endsAt: string | null) => ({ territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt, tiers: null });
    expect(catalog.releaseEndsAt('012345678905')).toBeNull();
    catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600001' }), rights: rights('2027-03-01T00:00:00.000Z') });
    catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600002', version: 'v2' }), rights: rights('2027-06-01T02:00:00+02:00') });
    expect(catalog.releaseEndsAt('012345678905')).toBe('2027-06-01T00:00:00.000Z');
    catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600003', version: 'v3' }), rights: rights(null) });
    expect(catalog.releaseEndsAt('012345678905')).toBeNull();
  });

  it('refuses a malformed cover before writing anything', () => {
    const { catalog } = fresh();
    expect(() => catalog.publish(withCover(samplePublish(), { sha256: 'not-a-hash', extension: 'jpg' }))).toThrow(/malformed cover/);
    expect(() => catalog.publish(withCover(samplePublish(), { sha256: SHA, extension: 'gif' as 'jpg' }))).toThrow(/malformed cover/);
    expect(catalog.getRelease('012345678905')).toBeNull();
  });

  it('a journal entry carries the cover to another node', () => {
    const { catalog: writer } = fresh();
    const { catalog: follower } = fresh();
    const input = withCover(samplePublish(), { sha256: SHA, extension: 'jpg' });
    writer.publish(input);
    // What a follower applies is exactly the entry's JSON.
    const entry = JSON.parse(JSON.stringify({ number: 1, at: '2026-12-03T10:00:00.000Z', writer: 'test', change: { kind: 'publish', input } }));
    expect(follower.applyJournalEntry(entry)).toBe(true);
    expect(follower.getRelease('012345678905')?.cover).toEqual({ sha256: SHA, extension: 'jpg' });
  });

  it('migration 12 adds the columns to a catalog that already holds releases, as no cover', () => {
    const file = tempCatalogPath();
    cleanups.push(file.cleanup);
    const path = file.path.replace('/nested', '');
    const before = openCatalog(path);
    before.publish(samplePublish());
    before.close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(MIGRATIONS[11]?.name).toBe('release covers');
    // Back to schema 11 without the columns, as an older cadence left it.
    db.exec('ALTER TABLE releases DROP COLUMN cover_sha256; ALTER TABLE releases DROP COLUMN cover_extension; PRAGMA user_version = 11');
    migrate(db, MIGRATIONS);
    expect(db.prepare('SELECT upc, cover_sha256, cover_extension FROM releases').all()).toEqual([{ upc: '012345678905', cover_sha256: null, cover_extension: null }]);
    expect(() => db.prepare("UPDATE releases SET cover_extension = 'gif'").run()).toThrow(/CHECK/);
    db.close();
  });
});
