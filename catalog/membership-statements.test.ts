import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from './open-catalog.ts';
import { consistencyProblems, publishedRows, samplePublish, tempCatalogPath } from './test-support.ts';
import type { Catalog, JournalEntry, PublishInput } from './types.ts';

const ALBUM = '012345678905';
const SINGLE = '036000291452';
const [A, B, C] = ['GBAYE2600001', 'GBAYE2600002', 'GBAYE2600003'];
let paths: Array<{ path: string; cleanup: () => void }>;
let opened: Catalog[];

function open(): { catalog: Catalog; path: string } {
  const file = tempCatalogPath();
  paths.push(file);
  const catalog = openCatalog(file.path);
  opened.push(catalog);
  return { catalog, path: file.path };
}

function onRelease(isrc: string, upc: string, trackNumber: number, extra: { title?: string; releaseDate?: string } = {}): PublishInput {
  const input = samplePublish({ isrc, upc, title: `Track ${isrc.slice(-1)}` });
  input.release.title = upc === ALBUM ? 'Aurora' : 'Aurora (Single)';
  input.release.releaseDate = extra.releaseDate ?? input.release.releaseDate;
  input.track.trackNumber = trackNumber;
  return input;
}

beforeEach(() => {
  paths = [];
  opened = [];
});
afterEach(() => {
  for (const catalog of opened) catalog.close();
  for (const file of paths) file.cleanup();
});

describe('removeFromRelease', () => {
  it('takes a dropped track off the release: not in its listing, its track view or search under it', () => {
    const { catalog, path } = open();
    catalog.publishMany([onRelease(A, ALBUM, 1), onRelease(B, ALBUM, 2), onRelease(C, ALBUM, 3)]);
    expect(catalog.listTracks({ upc: ALBUM })!.map((t) => t.isrc)).toEqual([A, B, C]);

    expect(catalog.removeFromRelease(ALBUM, [C, 'GBAYE2600099'])).toEqual({ removed: [C], moved: [], onNoRelease: [C] });
    expect(catalog.listTracks({ upc: ALBUM })!.map((t) => t.isrc)).toEqual([A, B]);
    // On no release: it keeps its owner (the label keeps the ISRC) and its version; no release lists it.
    const view = catalog.getTrack(C)!;
    expect(view.releases).toEqual([]);
    expect(view.current?.version).toBe('v1');
    expect(consistencyProblems(path)).toEqual([]);
    // A second removal changes nothing.
    expect(catalog.removeFromRelease(ALBUM, [C])).toEqual({ removed: [], moved: [], onNoRelease: [] });
  });

  it('moves the ownership of a track its owning release drops to the release that still lists it', () => {
    const { catalog, path } = open();
    catalog.publishMany([onRelease(A, ALBUM, 1), onRelease(B, ALBUM, 2), onRelease(B, SINGLE, 1)]);
    expect(catalog.getTrack(B)!.release.upc).toBe(ALBUM);
    expect(catalog.search({ q: 'track 2' }).map((r) => [r.isrc, r.upc, r.album])).toEqual([[B, ALBUM, 'Aurora']]);

    expect(catalog.removeFromRelease(ALBUM, [B])).toEqual({ removed: [B], moved: [{ isrc: B, upc: SINGLE }], onNoRelease: [] });
    const view = catalog.getTrack(B)!;
    expect(view.release.upc).toBe(SINGLE);
    expect([view.trackNumber, view.releases.map((r) => r.upc)]).toEqual([1, [SINGLE]]);
    // Found under the release that lists it now.
    expect(catalog.search({ q: 'track 2' }).map((r) => [r.isrc, r.upc, r.album])).toEqual([[B, SINGLE, 'Aurora (Single)']]);
    expect(catalog.listTracks({ upc: ALBUM })!.map((t) => t.isrc)).toEqual([A]);
    expect(consistencyProblems(path)).toEqual([]);
  });

  it('drops a track from a release that does not own it and leaves its owner alone', () => {
    const { catalog } = open();
    catalog.publishMany([onRelease(A, ALBUM, 1), onRelease(A, SINGLE, 1)]);
    expect(catalog.removeFromRelease(SINGLE, [A])).toEqual({ removed: [A], moved: [], onNoRelease: [] });
    expect(catalog.getTrack(A)!.releases.map((r) => r.upc)).toEqual([ALBUM]);
    expect(catalog.listTracks({ upc: SINGLE })).toEqual([]);
  });

  it('a track on no release is owned by the next release that lists it again', () => {
    const { catalog, path } = open();
    catalog.publishMany([onRelease(A, ALBUM, 1), onRelease(C, ALBUM, 3)]);
    catalog.removeFromRelease(ALBUM, [C]);
    catalog.publish(onRelease(C, SINGLE, 2));
    const view = catalog.getTrack(C)!;
    expect([view.release.upc, view.trackNumber, view.releases.map((r) => r.upc)]).toEqual([SINGLE, 2, [SINGLE]]);
    expect(consistencyProblems(path)).toEqual([]);
  });

  it('is a journal entry every following catalog applies alike', () => {
    const writer = open();
    const follower = open();
    const changes = [
      { kind: 'publish' as const, input: onRelease(A, ALBUM, 1) },
      { kind: 'publish' as const, input: onRelease(B, ALBUM, 2) },
      { kind: 'publish' as const, input: onRelease(B, SINGLE, 1) },
      { kind: 'publish' as const, input: onRelease(C, ALBUM, 3) },
      { kind: 'release-tracks' as const, upc: ALBUM, removed: [B, C] },
    ];
    changes.forEach((change, i) => {
      const entry: JournalEntry = { number: i + 1, at: '2026-12-01T10:00:00.000Z', writer: 'test', change };
      expect(writer.catalog.applyJournalEntry(entry)).toBe(true);
      expect(follower.catalog.applyJournalEntry(entry)).toBe(true);
    });
    expect(follower.catalog.listTracks({ upc: ALBUM })!.map((t) => t.isrc)).toEqual([A]);
    expect(follower.catalog.getTrack(B)!.release.upc).toBe(SINGLE);
    expect(follower.catalog.getTrack(C)!.releases).toEqual([]);
    expect(publishedRows(follower.path)).toEqual(publishedRows(writer.path));
  });
});
