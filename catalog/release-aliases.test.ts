// A release's other ids (migration 16, ReleaseRecord.aliases): published with its facts, read back
// on the release and its tracks, kept as a union (a later publish without them forgets none), learned
// by a node from a journal entry, and usable wherever a release is named (listTracks, takedowns).
// An id of one release never becomes another's.

import { afterEach, describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { openCatalog } from './open-catalog.ts';
import { samplePublish } from './test-support.ts';
import type { Catalog, PublishInput } from './types.ts';

const GRID = 'grid:A12425GABC1234002M';
const ICPN = '012345678905';
const OTHER = '5012345678900';
const PROPRIETARY = 'proprietary:PADPIDA2026120301X:NLR-0042';

let open: Catalog[] = [];
afterEach(() => {
  for (const catalog of open.splice(0)) catalog.close();
});

function fresh(): Catalog {
  const catalog = openCatalog(':memory:');
  open.push(catalog);
  return catalog;
}

function onRelease(upc: string, aliases: string[] | undefined, isrc = 'GBAYE2600001'): PublishInput {
  const input = samplePublish({ upc, isrc });
  return { ...input, release: { ...input.release, ...(aliases ? { aliases } : {}) } };
}

function conflictOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CadenceError && error.code === 'CONFLICT') return error.message;
    throw error;
  }
  throw new Error('expected a CONFLICT');
}

describe('release aliases in the catalog', () => {
  it('a UPC-A and the EAN-13 spelling with a leading 0 name the same release, both ways', () => {
    const upcA = '036000291452';
    const byUpc = fresh();
    byUpc.publish(onRelease(upcA, undefined));
    expect(byUpc.resolveRelease(`0${upcA}`)).toBe(upcA);
    const byEan = fresh();
    byEan.publish(onRelease(`0${upcA}`, undefined));
    expect(byEan.resolveRelease(upcA)).toBe(`0${upcA}`);
    expect(byEan.listTracks({ upc: upcA })?.map((t) => t.upc)).toEqual([`0${upcA}`]);
    // Not any digits: an EAN-13 that does not start with 0 has no 12-digit spelling.
    byEan.publish(onRelease(OTHER, undefined, 'GBAYE2600002'));
    expect(byEan.resolveRelease(OTHER.slice(1))).toBeNull();
  });

  it('a release first known by its GRid is found by the ICPN it was later published with, keeping its id', () => {
    const catalog = fresh();
    catalog.publish(onRelease(GRID, undefined));
    expect(catalog.resolveRelease(ICPN)).toBeNull();
    expect(catalog.getRelease(GRID)).not.toHaveProperty('aliases');

    catalog.publish(onRelease(GRID, [PROPRIETARY, ICPN]));
    expect(catalog.resolveRelease(ICPN)).toBe(GRID);
    expect(catalog.resolveRelease(PROPRIETARY)).toBe(GRID);
    expect(catalog.resolveRelease(GRID)).toBe(GRID);
    expect(catalog.resolveRelease(OTHER)).toBeNull();
    // Sorted, on the release and on its tracks; the release keeps its id.
    expect(catalog.getRelease(GRID)?.aliases).toEqual([ICPN, PROPRIETARY]);
    expect(catalog.getTrack('GBAYE2600001')?.release).toMatchObject({ upc: GRID, aliases: [ICPN, PROPRIETARY] });
    expect(catalog.getRelease(ICPN)).toBeNull();
    expect(catalog.listTracks({ upc: ICPN })?.map((t) => [t.isrc, t.upc])).toEqual([['GBAYE2600001', GRID]]);
  });

  it('forgets no alias when a later publish names the release by its id alone', () => {
    const catalog = fresh();
    catalog.publish(onRelease(GRID, [ICPN]));
    catalog.publish(onRelease(GRID, undefined, 'GBAYE2600002'));
    expect(catalog.getRelease(GRID)?.aliases).toEqual([ICPN]);
    expect(catalog.listTracks({ upc: ICPN })?.map((t) => t.isrc)).toEqual(['GBAYE2600001', 'GBAYE2600002']);
  });

  it('takes down and restores a release named by an alias', () => {
    const catalog = fresh();
    catalog.publish(onRelease(GRID, [ICPN]));
    const takedown = { source: 'operator' as const, reason: 'dispute', at: '2026-12-03T10:00:00.000Z' };
    expect(catalog.takedownTargets({ upc: ICPN }, takedown)).toEqual(['GBAYE2600001']);
    expect(catalog.setTakedown({ upc: ICPN }, takedown)).toEqual(['GBAYE2600001']);
    expect(catalog.availability('GBAYE2600001')?.takedown?.reason).toBe('dispute');
    expect(catalog.setTakedown({ upc: ICPN }, null)).toEqual(['GBAYE2600001']);
    expect(catalog.availability('GBAYE2600001')?.takedown).toBeNull();
    expect(() => catalog.setTakedown({ upc: OTHER }, takedown)).toThrow(/no published release 5012345678900/);
  });

  it('never lets an id of one release name another: nothing is written', () => {
    const catalog = fresh();
    catalog.publish(onRelease(GRID, [ICPN]));
    catalog.publish(onRelease(OTHER, undefined, 'GBAYE2600003'));
    // Another release's id, or another release's alias, as an alias.
    expect(conflictOf(() => catalog.publish(onRelease(OTHER, [GRID], 'GBAYE2600003')))).toContain(`that id is release ${GRID}'s`);
    expect(conflictOf(() => catalog.publish(onRelease(OTHER, [ICPN], 'GBAYE2600003')))).toContain(`that id is release ${GRID}'s`);
    // A new release whose id is already another's alias.
    expect(conflictOf(() => catalog.publish(onRelease(ICPN, undefined, 'GBAYE2600004')))).toContain(`release ${ICPN} is already known as release ${GRID}`);
    expect(catalog.ownershipConflict({ release: { upc: OTHER, label: 'Northern Lights Records', aliases: [ICPN] }, track: { isrc: 'GBAYE2600003' }, version: { version: 'v1', masterSha256: null } })).toContain(GRID);
    expect(catalog.getRelease(OTHER)).not.toHaveProperty('aliases');
    expect(catalog.getTrack('GBAYE2600004')).toBeNull();
    expect(catalog.resolveRelease(ICPN)).toBe(GRID);
  });

  it('a node following the journal learns the aliases from the publish entry', () => {
    const follower = fresh();
    const input = onRelease(GRID, [ICPN]);
    expect(follower.applyJournalEntry({ number: 1, at: '2026-12-03T10:00:00.000Z', writer: 'test', change: { kind: 'publish', input } })).toBe(true);
    expect(follower.resolveRelease(ICPN)).toBe(GRID);
    expect(follower.getRelease(GRID)?.aliases).toEqual([ICPN]);
  });
});
