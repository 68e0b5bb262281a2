import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCadenceError } from '../errors/cadence-error.ts';
import { openCatalog } from './open-catalog.ts';
import { SEARCH_MODES, samplePublish, tempCatalogPath, withRaw } from './test-support.ts';
import type { Catalog } from './types.ts';

let file: ReturnType<typeof tempCatalogPath>;
let clock: Date;
const now = (): Date => clock;
const open = (options: { searchInMemory?: boolean } = {}): Catalog => openCatalog(file.path, { now, ...options });

beforeEach(() => {
  file = tempCatalogPath();
  clock = new Date('2026-12-03T12:00:00.000Z');
});
afterEach(() => file.cleanup());

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (isCadenceError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CadenceError');
}

describe('rights in the catalog', () => {
  it('stores what the publish says, or the release\'s territories from its date, no end, every tier', () => {
    const catalog = open();
    try {
      catalog.publish(samplePublish({ isrc: 'GBAYE2600001', territories: ['GB', 'IE'] }));
      expect(catalog.availability('GBAYE2600001')).toEqual({
        rights: { territories: ['GB', 'IE'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: null },
        takedown: null,
      });
      const licensed = { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-12-24T18:30:00+01:00', endsAt: '2027-01-01T00:00:00Z', tiers: ['premium', 'hifi'] };
      catalog.publish({ ...samplePublish({ isrc: 'GBAYE2600002' }), rights: licensed });
      expect(catalog.availability('GBAYE2600002')?.rights).toEqual({ ...licensed, startsAt: '2026-12-24T17:30:00.000Z', endsAt: '2027-01-01T00:00:00.000Z' });
      expect(catalog.availability('GBAYE2600009')).toBeNull();
    } finally {
      catalog.close();
    }
  });

  it('gives the tracks of an existing catalog their release\'s rights when it migrates', () => {
    const catalog = open();
    catalog.publish(samplePublish({ isrc: 'GBAYE2600001', territories: ['NO', 'SE'] }));
    catalog.close();
    // Back to the schema before migration 11, as the code before it left it.
    withRaw(file.path, (db) => {
      db.exec('DROP TABLE track_rights');
      db.pragma('user_version = 10');
    });
    const migrated = open();
    try {
      expect(migrated.availability('GBAYE2600001')).toEqual({
        rights: { territories: ['NO', 'SE'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers: null },
        takedown: null,
      });
    } finally {
      migrated.close();
    }
  });

  it('takes down and restores by ISRC or by release, and names what it does not know', () => {
    const catalog = open();
    try {
      catalog.publish(samplePublish({ isrc: 'GBAYE2600001' }));
      catalog.publish(samplePublish({ isrc: 'GBAYE2600002' }));
      catalog.publish(samplePublish({ isrc: 'GBAYE2600003', upc: '036000291452' }));
      const takedown = { source: 'operator' as const, reason: 'label request', at: '2026-12-03T12:00:00Z' };
      expect(catalog.setTakedown({ upc: '012345678905' }, takedown)).toEqual(['GBAYE2600001', 'GBAYE2600002']);
      expect(catalog.availability('GBAYE2600002')?.takedown).toEqual({ source: 'operator', reason: 'label request', at: '2026-12-03T12:00:00.000Z' });
      expect(catalog.availability('GBAYE2600003')?.takedown).toBeNull();
      // A re-publish (a re-delivery, a reindex) changes the licence, never the takedown.
      catalog.publish(samplePublish({ isrc: 'GBAYE2600001', territories: ['GB'] }));
      expect(catalog.availability('GBAYE2600001')?.takedown?.reason).toBe('label request');
      expect(catalog.setTakedown({ isrcs: ['GBAYE2600001'] }, null)).toEqual(['GBAYE2600001']);
      expect(catalog.availability('GBAYE2600001')?.takedown).toBeNull();
      expect(catalog.availability('GBAYE2600002')?.takedown).not.toBeNull();

      expect(failure(() => catalog.setTakedown({ isrcs: ['GBAYE2600003', 'GBAYE2699999'] }, takedown))).toEqual({ code: 'NOT_FOUND', message: 'no published track GBAYE2699999 in the catalog' });
      // All or nothing: the known ISRC of a refused request is left as it was.
      expect(catalog.availability('GBAYE2600003')?.takedown).toBeNull();
      expect(failure(() => catalog.setTakedown({ upc: '4006381333931' }, null))).toEqual({ code: 'NOT_FOUND', message: 'no published release 4006381333931 in the catalog' });
    } finally {
      catalog.close();
    }
  });
});

describe.each(SEARCH_MODES)('search and availability (searchInMemory: $searchInMemory)', (mode) => {
  it('leaves out a track before its start and from its end, to the second, and while taken down', () => {
    const writer = open();
    const reader = open(mode);
    try {
      const window = { territories: ['WW'], excludedTerritories: [], startsAt: '2026-12-03T12:00:10Z', endsAt: '2026-12-03T12:00:20Z', tiers: null };
      writer.publish({ ...samplePublish({ isrc: 'GBAYE2600001', title: 'Aurora Borealis' }), rights: window });
      writer.publish(samplePublish({ isrc: 'GBAYE2600002', title: 'Aurora Australis' }));
      const found = (): string[] => reader.search({ q: 'aurora' }).map((r) => r.isrc).sort();

      clock = new Date('2026-12-03T12:00:09.999Z');
      expect(found()).toEqual(['GBAYE2600002']);
      clock = new Date('2026-12-03T12:00:10.000Z');
      expect(found()).toEqual(['GBAYE2600001', 'GBAYE2600002']);
      clock = new Date('2026-12-03T12:00:19.999Z');
      expect(found()).toEqual(['GBAYE2600001', 'GBAYE2600002']);
      clock = new Date('2026-12-03T12:00:20.000Z');
      expect(found()).toEqual(['GBAYE2600002']);

      // Written by another connection (`cadence takedown` beside `serve`): the next search sees it.
      writer.setTakedown({ isrcs: ['GBAYE2600002'] }, { source: 'operator', reason: 'dispute', at: clock.toISOString() });
      expect(found()).toEqual([]);
      writer.setTakedown({ isrcs: ['GBAYE2600002'] }, null);
      expect(found()).toEqual(['GBAYE2600002']);
      // A re-delivery that moves the start into the future hides it again.
      writer.publish({ ...samplePublish({ isrc: 'GBAYE2600002', title: 'Aurora Australis' }), rights: { ...window, startsAt: '2027-01-01T00:00:00Z', endsAt: null } });
      expect(found()).toEqual([]);
    } finally {
      reader.close();
      writer.close();
    }
  });
});
