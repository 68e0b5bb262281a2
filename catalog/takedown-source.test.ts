// Who made a takedown, in the catalog: migration 15 infers it once for the takedowns older code
// stored (from their reason's wording), after which only the stored source counts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations.ts';
import { openCatalog } from './open-catalog.ts';
import { RIGHTS_SCHEMA } from './rights-statements.ts';
import { legacyTakedownBy, TAKEDOWN_SOURCE_SCHEMA, withTakedownSource } from './takedown-source.ts';
import { samplePublish, tempCatalogPath, withRaw } from './test-support.ts';

let file: ReturnType<typeof tempCatalogPath>;
beforeEach(() => (file = tempCatalogPath()));
afterEach(() => file.cleanup());

const [DEAL, PURGE, OPERATOR, LICENSED] = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003', 'GBAYE2600004'] as const;

/** The schema version just before the takedown-source migration (15 when written). */
const BEFORE = MIGRATIONS.findIndex((migration) => migration.sql === TAKEDOWN_SOURCE_SCHEMA);

/** The catalog as code before migration 15 left it: track_rights as migration 11 made it. */
function catalogBeforeSources(takedowns: Record<string, string>): void {
  const catalog = openCatalog(file.path);
  for (const isrc of [DEAL, PURGE, OPERATOR, LICENSED]) catalog.publish(samplePublish({ isrc }));
  catalog.close();
  withRaw(file.path, (db) => {
    db.exec(`DROP TABLE track_rights; ${RIGHTS_SCHEMA}`);
    const down = db.prepare('UPDATE track_rights SET takedown_reason = ?, takedown_at = ?, revision = revision + 100 WHERE isrc = ?');
    for (const [isrc, reason] of Object.entries(takedowns)) down.run(reason, '2026-12-02T09:00:00.000Z', isrc);
    db.pragma(`user_version = ${BEFORE}`);
  });
}

describe('migration 15: takedown sources', () => {
  it('infers the source of takedowns stored before it, once, from their reason', () => {
    expect(BEFORE).toBeGreaterThan(10); // found: the migration is in the list
    catalogBeforeSources({
      [DEAL]: 'TakeDown deal in DDEX message ALBUM-4',
      [PURGE]: 'PurgeReleaseMessage in DDEX message ALBUM-2',
      [OPERATOR]: 'label request',
    });
    const revisions = withRaw(file.path, (db) => db.prepare('SELECT isrc, revision FROM track_rights ORDER BY isrc').all());

    const catalog = openCatalog(file.path);
    try {
      expect(catalog.availability(DEAL)?.takedown).toEqual({ source: 'ddex', messageId: 'ALBUM-4', reason: 'TakeDown deal in DDEX message ALBUM-4', at: '2026-12-02T09:00:00.000Z' });
      expect(catalog.availability(PURGE)?.takedown).toEqual({ source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-02T09:00:00.000Z' });
      expect(catalog.availability(OPERATOR)?.takedown).toEqual({ source: 'operator', reason: 'label request', at: '2026-12-02T09:00:00.000Z' });
      expect(catalog.availability(LICENSED)?.takedown).toBeNull();
      // Search still hides what is taken down (the rebuilt table kept its revisions and indexes).
      expect(catalog.search({ q: 'prelude' }).map((result) => result.isrc)).toEqual([LICENSED]);
    } finally {
      catalog.close();
    }
    expect(withRaw(file.path, (db) => db.prepare('SELECT isrc, revision FROM track_rights ORDER BY isrc').all())).toEqual(revisions);
    expect(withRaw(file.path, (db) => db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'track_rights' AND sql IS NOT NULL ORDER BY name").pluck().all())).toEqual([
      'track_rights_by_revision', 'track_rights_by_start', 'track_rights_ending', 'track_rights_taken_down',
    ]);
  });

  it('keeps source and takedown together: a half-written row is refused by the table', () => {
    const catalog = openCatalog(file.path);
    catalog.publish(samplePublish({ isrc: DEAL }));
    catalog.close();
    withRaw(file.path, (db) => {
      const write = (sql: string) => () => db.prepare(`UPDATE track_rights SET ${sql} WHERE isrc = ?`).run(DEAL);
      expect(write("takedown_reason = 'x', takedown_at = '2026-12-02T09:00:00.000Z'")).toThrow(/CHECK constraint failed/);
      expect(write("takedown_reason = 'x', takedown_at = '2026-12-02T09:00:00.000Z', takedown_source = 'ddex'")).toThrow(/CHECK constraint failed/);
      expect(write("takedown_reason = 'x', takedown_at = '2026-12-02T09:00:00.000Z', takedown_source = 'operator', takedown_message_id = 'M'")).toThrow(/CHECK constraint failed/);
      expect(write("takedown_reason = 'x', takedown_at = '2026-12-02T09:00:00.000Z', takedown_source = 'label'")).toThrow(/CHECK constraint failed/);
    });
  });
});

describe('takedown sources in the catalog', () => {
  it('a DDEX takedown never replaces an operator\'s; an operator\'s replaces a DDEX one', () => {
    const catalog = openCatalog(file.path);
    try {
      catalog.publish(samplePublish({ isrc: DEAL }));
      catalog.publish(samplePublish({ isrc: OPERATOR }));
      catalog.setTakedown({ isrcs: [OPERATOR] }, { source: 'operator', reason: 'label request', at: '2026-12-02T09:00:00Z' });
      catalog.setTakedown({ upc: '012345678905' }, { source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-02T10:00:00Z' });
      expect(catalog.availability(OPERATOR)?.takedown).toEqual({ source: 'operator', reason: 'label request', at: '2026-12-02T09:00:00.000Z' });
      expect(catalog.availability(DEAL)?.takedown).toMatchObject({ source: 'ddex', messageId: 'ALBUM-2' });
      catalog.setTakedown({ isrcs: [DEAL] }, { source: 'operator', reason: 'legal hold', at: '2026-12-02T11:00:00Z' });
      expect(catalog.availability(DEAL)?.takedown).toEqual({ source: 'operator', reason: 'legal hold', at: '2026-12-02T11:00:00.000Z' });
    } finally {
      catalog.close();
    }
  });
});

describe('takedowns stored without a source', () => {
  it('get the same inference as the migration; a stored source is kept as it is', () => {
    expect(legacyTakedownBy('TakeDown deal in DDEX message MSG-7')).toEqual({ source: 'ddex', messageId: 'MSG-7' });
    expect(legacyTakedownBy('rights dispute')).toEqual({ source: 'operator' });
    expect(withTakedownSource({ reason: 'PurgeReleaseMessage in DDEX message A-2', at: '2026-12-02T09:00:00.000Z' })).toEqual({
      source: 'ddex', messageId: 'A-2', reason: 'PurgeReleaseMessage in DDEX message A-2', at: '2026-12-02T09:00:00.000Z',
    });
    // Wording no longer decides once the source is stored.
    const operator = { source: 'operator' as const, reason: 'raised in DDEX message A-2', at: '2026-12-02T09:00:00.000Z' };
    expect(withTakedownSource(operator)).toEqual(operator);
    expect(() => withTakedownSource({ source: 'robot', reason: 'x', at: '2026-12-02T09:00:00.000Z' } as never)).toThrow(/takedown source "robot"/);
  });
});
