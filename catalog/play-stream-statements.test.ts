// The shared play stream's position kept with the counts: each stream entry counted exactly once
// per catalog, across reopenings and with two connections applying the same entries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from './open-catalog.ts';
import { compareStreamIds } from './play-stream-statements.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';

let path: string;
let cleanup: () => void;
beforeEach(() => ({ path, cleanup } = tempCatalogPath()));
afterEach(() => cleanup());

const STREAM = 'cadence:plays';

function playsOf(catalogPath: string, isrc: string): number {
  const catalog = openCatalog(catalogPath);
  try {
    // Popularity is visible through search: the more played of two equal matches comes first.
    return catalog.search({ q: 'nocturne' }).findIndex((result) => result.isrc === isrc);
  } finally {
    catalog.close();
  }
}

describe('play stream position', () => {
  it('orders stream ids by number, not as strings', () => {
    expect(compareStreamIds('9-0', '10-0')).toBe(-1);
    expect(compareStreamIds('10-2', '10-10')).toBe(-1);
    expect(compareStreamIds('10-10', '10-10')).toBe(0);
    expect(compareStreamIds('1700000000000-1', '999999999999-5')).toBe(1);
  });

  it('applies each event once, stores the newest id with the counts, and skips what it already counted after reopening', () => {
    const catalog = openCatalog(path);
    catalog.publish(samplePublish({ isrc: 'GBAYE2600001', title: 'Nocturne' }));
    catalog.publish(samplePublish({ isrc: 'GBAYE2600002', title: 'Nocturne', version: 'v2' }));
    expect(catalog.playStreamPosition(STREAM)).toBeNull();
    const events = [
      { id: '9-0', counts: [{ isrc: 'GBAYE2600002', plays: 2 }] },
      { id: '10-0', counts: [{ isrc: 'GBAYE2600002', plays: 1 }, { isrc: 'GBZZZ2699999', plays: 5 }] },
    ];
    expect(catalog.applyPlayEvents(STREAM, events)).toBe(2);
    expect(catalog.playStreamPosition(STREAM)).toBe('10-0');
    // The same events again (a restart reading from an older id, another process): nothing counted.
    expect(catalog.applyPlayEvents(STREAM, events)).toBe(0);
    catalog.close();

    const again = openCatalog(path);
    expect(again.playStreamPosition(STREAM)).toBe('10-0');
    expect(again.applyPlayEvents(STREAM, [...events, { id: '11-0', counts: [{ isrc: 'GBAYE2600001', plays: 1 }] }])).toBe(1);
    expect(again.playStreamPosition(STREAM)).toBe('11-0');
    again.close();
    // 3 plays against 1: the second track ranks first.
    expect(playsOf(path, 'GBAYE2600002')).toBe(0);
  });

  it('two connections applying the same events into one file count them once', () => {
    const a = openCatalog(path);
    const b = openCatalog(path);
    a.publish(samplePublish({ isrc: 'GBAYE2600001', title: 'Nocturne' }));
    a.publish(samplePublish({ isrc: 'GBAYE2600002', title: 'Nocturne', version: 'v2' }));
    const events = Array.from({ length: 10 }, (_, i) => ({ id: `${100 + i}-0`, counts: [{ isrc: 'GBAYE2600001', plays: 1 }] }));
    expect(a.applyPlayEvents(STREAM, events.slice(0, 6)) + b.applyPlayEvents(STREAM, events) + a.applyPlayEvents(STREAM, events)).toBe(10);
    b.applyPlayEvents('another:stream', [{ id: '1-0', counts: [{ isrc: 'GBAYE2600002', plays: 9 }] }]);
    expect(b.playStreamPosition('another:stream')).toBe('1-0');
    expect(a.playStreamPosition(STREAM)).toBe('109-0');
    a.close();
    b.close();
    expect(playsOf(path, 'GBAYE2600001')).toBe(0);
  });
});
