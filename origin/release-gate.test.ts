import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/open-catalog.ts';
import { samplePublish, tempCatalogPath } from '../catalog/test-support.ts';
import type { Catalog } from '../catalog/types.ts';
import { createReleaseGate } from './release-gate.ts';

const UPC = '012345678905';
const OTHER = '012345678912';
const down = { source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' } as const;
const t0 = Date.parse('2026-12-03T12:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms);

let file: ReturnType<typeof tempCatalogPath>;
let catalog: Catalog;
let reads: string[];
/** The origin's read (origin/app.ts), counted. */
const read = (upc: string) => (reads.push(upc), { takedowns: catalog.releaseTakedowns(upc), endsAt: catalog.releaseEndsAt(upc) });

beforeEach(() => {
  file = tempCatalogPath();
  catalog = openCatalog(file.path);
  catalog.publish(samplePublish({ isrc: 'GBAYE2600001', upc: UPC }));
  catalog.publish(samplePublish({ isrc: 'GBAYE2600002', upc: UPC, version: 'v2' }));
  catalog.publish(samplePublish({ isrc: 'GBAYE2600003', upc: OTHER, version: 'v3' }));
  reads = [];
});
afterEach(() => {
  catalog.close();
  file.cleanup();
});

describe('createReleaseGate', () => {
  it('reads a release at most once per maxAgeMs, and sees a takedown and a restore within it', () => {
    const gate = createReleaseGate({ read, maxAgeMs: 1000 });
    for (let ms = 0; ms < 1000; ms += 50) expect(gate.refuse(UPC, at(ms))).toBeNull();
    expect(reads).toEqual([UPC]);

    catalog.setTakedown({ isrcs: ['GBAYE2600001'] }, down);
    expect(gate.refuse(UPC, at(1000))).toBeNull(); // one track left: the cover stays
    catalog.setTakedown({ isrcs: ['GBAYE2600002'] }, down);
    expect(gate.refuse(UPC, at(1999))).toBeNull(); // not read again within the bound
    expect(gate.refuse(UPC, at(2000))).toEqual({
      status: 410,
      error: 'release_taken_down',
      message: `release ${UPC} was taken down: label request`,
      details: { since: down.at, source: 'operator' },
    });
    expect(reads).toEqual([UPC, UPC, UPC]);

    catalog.setTakedown({ upc: UPC }, null);
    expect(gate.refuse(UPC, at(3000))).toBeNull();
  });

  it('the default bound is the availability gate\'s (1 s); a clock that went backwards reads again; releases are apart', () => {
    catalog.setTakedown({ upc: UPC }, down);
    const gate = createReleaseGate({ read });
    expect(gate.refuse(UPC, at(0))).not.toBeNull();
    expect(gate.refuse(OTHER, at(0))).toBeNull();
    catalog.setTakedown({ upc: UPC }, null);
    expect(gate.refuse(UPC, at(999))).not.toBeNull();
    expect(gate.refuse(UPC, at(-10))).toBeNull();
    expect(reads).toEqual([UPC, OTHER, UPC]);
  });
});
