import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CadenceError } from '../errors/cadence-error.ts';
import { openCatalog } from './open-catalog.ts';
import { syntheticRenditions } from '../fixtures/renditions.ts';
import { consistencyProblems, rowCounts, samplePublish, tempCatalogPath, withRaw } from './test-support.ts';
import type { Catalog, PublishInput } from './types.ts';

let path: string;
let cleanup: () => void;
let catalog: Catalog;
const opened: Catalog[] = [];

function open(options: Parameters<typeof openCatalog>[1] = {}): Catalog {
  const next = openCatalog(path, options);
  opened.push(next);
  return next;
}

beforeEach(() => {
  ({ path, cleanup } = tempCatalogPath());
  catalog = open();
});
afterEach(() => {
  for (const each of opened.splice(0)) each.close();
  cleanup();
});

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CadenceError ? error.code : `not a CadenceError: ${String(error)}`;
  }
  return undefined;
}

function updatedAt(isrc: string): string {
  return withRaw(path, (db) => db.prepare('SELECT updated_at FROM tracks WHERE isrc = ?').pluck().get(isrc) as string);
}

describe('publish and getTrack', () => {
  it('round-trips every field', () => {
    const input: PublishInput = samplePublish({ territories: ['GB', 'US', 'DE'] });
    input.track = {
      ...input.track,
      discNumber: 2,
      trackNumber: 7,
      explicit: true,
      artists: ['Ilse Varga', 'feat. Åsa'],
      genre: 'Neoclassical',
      credits: [{ name: 'Ilse Varga', role: 'MainArtist' }, { name: 'Åsa Berg', role: 'Composer' }],
      pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' },
    };
    input.release.genre = null;
    input.version.loudness = { integrated: null, range: 0, truePeak: null };
    catalog.publish(input);

    expect(catalog.getTrack(input.track.isrc)).toEqual({
      ...input.track,
      release: input.release,
      releases: [{ upc: input.release.upc, title: input.release.title, trackNumber: 7, discNumber: 2 }],
      current: { ...input.version, masterSha256: null },
    });
    expect(catalog.currentVersion(input.track.isrc)).toBe('v1');
    expect(catalog.listCurrent()).toEqual([{ isrc: input.track.isrc, version: 'v1' }]);
    expect(catalog.referencedVersions()).toEqual(new Set([`${input.track.isrc}/v1`]));
  });

  it('answers null for a track it does not know', () => {
    expect(catalog.getTrack('XXXXX0000000')).toBeNull();
    expect(catalog.currentVersion('XXXXX0000000')).toBeNull();
  });

  it('republishing the same input changes nothing and duplicates nothing', () => {
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const ticking = open({ now: () => new Date((tick += 1000)) });
    const input = samplePublish();
    ticking.publish(input);
    const counts = rowCounts(path);
    const stamp = updatedAt(input.track.isrc);

    ticking.publish(input);
    ticking.publish(structuredClone(input));
    expect(rowCounts(path)).toEqual(counts);
    expect(counts).toMatchObject({ labels: 1, releases: 1, release_territories: 1, tracks: 1, versions: 1, renditions: 4 });
    expect(updatedAt(input.track.isrc)).toBe(stamp);
  });

  it('updates release and track metadata in place', () => {
    catalog.publish(samplePublish());
    const corrected = samplePublish({ title: 'Prelude (Remastered)' });
    corrected.release.title = 'Aurora (Deluxe)';
    catalog.publish(corrected);

    const view = catalog.getTrack('GBAYE2600001')!;
    expect(view.title).toBe('Prelude (Remastered)');
    expect(view.release).toMatchObject({ label: 'Northern Lights Records', title: 'Aurora (Deluxe)' });
    expect(rowCounts(path)).toMatchObject({ labels: 1, releases: 1, tracks: 1, versions: 1 });
  });

  it('a recording without genre, credits or ℗ line reads back as none; a change to them is a change', () => {
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const ticking = open({ now: () => new Date((tick += 1000)) });
    const input = samplePublish();
    ticking.publish(input);
    expect(ticking.getTrack(input.track.isrc)).toMatchObject({ genre: null, credits: [], pLine: null });
    const before = updatedAt(input.track.isrc);

    const credited = structuredClone(input);
    credited.track.credits = [{ name: 'Oskar Lind', role: 'Producer' }];
    ticking.publish(credited);
    expect(ticking.getTrack(input.track.isrc)!.credits).toEqual([{ name: 'Oskar Lind', role: 'Producer' }]);
    const after = updatedAt(input.track.isrc);
    expect(after).not.toBe(before);
    ticking.publish(structuredClone(credited));
    expect(updatedAt(input.track.isrc)).toBe(after);
  });

  it('search finds a recording by its own genre and shows it, its explicit mark and its position', () => {
    const plain = samplePublish({ isrc: 'GBAYE2600001', title: 'Prelude' });
    const own = samplePublish({ isrc: 'GBAYE2600002', title: 'Interlude' });
    own.track = { ...own.track, trackNumber: 2, discNumber: 1, explicit: true, genre: 'Ambient' };
    catalog.publish(plain);
    catalog.publish(own);
    expect(catalog.search({ q: 'aurora', genre: 'ambient' }).map((r) => r.isrc)).toEqual(['GBAYE2600002']);
    expect(catalog.search({ q: 'interlude' })[0]).toMatchObject({ genre: 'Ambient', explicit: true, discNumber: 1, trackNumber: 2 });
    expect(catalog.search({ q: 'prelude' })[0]).toMatchObject({ genre: 'Classical', explicit: false, trackNumber: 1 });
    // A corrected release re-indexes its other tracks, each keeping its own genre.
    const retitled = structuredClone(plain);
    retitled.release.title = 'Aurora (Deluxe)';
    catalog.publish(retitled);
    expect(catalog.search({ q: 'interlude', genre: 'ambient' }).map((r) => r.isrc)).toEqual(['GBAYE2600002']);
  });

  it('a version flip keeps the old version rows until GC and moves referencedVersions', () => {
    catalog.publish(samplePublish({ version: 'v1' }));
    catalog.publish(samplePublish({ isrc: 'GBAYE2600002', version: 'a1' }));
    catalog.publish(samplePublish({ version: 'v2' }));

    expect(catalog.currentVersion('GBAYE2600001')).toBe('v2');
    expect(catalog.getTrack('GBAYE2600001')!.current!.version).toBe('v2');
    expect(catalog.referencedVersions()).toEqual(new Set(['GBAYE2600001/v2', 'GBAYE2600002/a1']));
    expect(rowCounts(path)).toMatchObject({ tracks: 2, versions: 3, renditions: 12 });

    // Flipping back to a version that still exists reuses its rows.
    catalog.publish(samplePublish({ version: 'v1' }));
    expect(catalog.currentVersion('GBAYE2600001')).toBe('v1');
    expect(rowCounts(path)).toMatchObject({ versions: 3, renditions: 12 });
  });

  it('keeps the first copy of an immutable version', () => {
    catalog.publish(samplePublish());
    const changed = samplePublish();
    changed.version.durationSeconds = 1;
    catalog.publish(changed);
    expect(catalog.getTrack('GBAYE2600001')!.current!.durationSeconds).toBe(187.25);
  });

  it('replaces territories rather than appending, and ignores repeats', () => {
    catalog.publish(samplePublish({ territories: ['GB', 'US'] }));
    catalog.publish(samplePublish({ territories: ['FR', 'GB', 'FR'] }));
    expect(catalog.getTrack('GBAYE2600001')!.release.territories).toEqual(['FR', 'GB']);
    expect(rowCounts(path).release_territories).toBe(2);
  });

  it('a publish that fails half-way leaves nothing behind', () => {
    const bad = samplePublish();
    const [first] = syntheticRenditions();
    bad.version.renditions.push({ ...first! }); // duplicate rendition id: fails on the last insert
    expect(codeOf(() => catalog.publish(bad))).toBe('CATALOG');
    expect(Object.values(rowCounts(path)).every((count) => count === 0)).toBe(true);

    // Against an existing track: the metadata update and the flip roll back too.
    catalog.publish(samplePublish());
    const before = rowCounts(path);
    const badFlip = samplePublish({ version: 'v2', title: 'Should not stick', territories: ['SE'] });
    badFlip.version.renditions[3]!.channels = 0; // violates CHECK (channels > 0)
    expect(() => catalog.publish(badFlip)).toThrow(/publish GBAYE2600001\/v2.*CHECK constraint/);
    expect(rowCounts(path)).toEqual(before);
    expect(catalog.getTrack('GBAYE2600001')).toMatchObject({
      title: 'Prelude',
      release: { territories: ['WW'] },
      current: { version: 'v1' },
    });
  });

  it('refuses inputs whose parts disagree before writing', () => {
    const wrongUpc = samplePublish();
    wrongUpc.track.upc = '999999999999';
    const wrongIsrc = samplePublish();
    wrongIsrc.version.isrc = 'GBAYE2699999';
    const empty = samplePublish();
    empty.version.renditions = [];
    for (const input of [wrongUpc, wrongIsrc, empty]) expect(codeOf(() => catalog.publish(input))).toBe('CATALOG');
    expect(rowCounts(path).labels).toBe(0);
  });

  it('re-indexes a track whose artists are regrouped from the same words (ranking reads each artist)', () => {
    const credited = (artists: string[]): PublishInput => {
      const input = samplePublish();
      input.track.artists = artists;
      input.release.artists = artists;
      return input;
    };
    const rankedArtists = () => withRaw(path, (db) => (db.prepare('SELECT fields FROM search_docs').pluck().get() as string).split('\t')[1]!.split('\n'));
    catalog.publish(credited(['Ilse Varga']));
    expect(rankedArtists()).toEqual(['ilse varga']);
    catalog.publish(credited(['Ilse', 'Varga']));
    expect(rankedArtists()).toEqual(['ilse', 'varga']);
  });

  it('garbage collection can drop an old version (and its renditions) but never the current one', () => {
    catalog.publish(samplePublish({ version: 'v1' }));
    catalog.publish(samplePublish({ version: 'v2' }));
    withRaw(path, (db) => {
      db.pragma('foreign_keys = ON');
      const drop = db.prepare('DELETE FROM versions WHERE isrc = ? AND version = ?');
      drop.run('GBAYE2600001', 'v1');
      expect(() => drop.run('GBAYE2600001', 'v2')).toThrow(/FOREIGN KEY/);
    });
    expect(rowCounts(path)).toMatchObject({ versions: 1, renditions: 4 });
    expect(consistencyProblems(path)).toEqual([]);
  });
});

describe('two connections on one file', () => {
  it('interleaved publishes of the same and different tracks stay consistent', () => {
    const other = open();
    const writers = [catalog, other];
    for (let round = 0; round < 20; round++) {
      for (const [index, writer] of writers.entries()) {
        writer.publish(samplePublish({ version: `shared-${round % 3}` }));
        writer.publish(samplePublish({ isrc: `GBAYE260010${index}`, version: `own-${round}` }));
      }
      // Each connection sees the other's commits immediately.
      expect(other.currentVersion('GBAYE2600100')).toBe(`own-${round}`);
      expect(catalog.currentVersion('GBAYE2600101')).toBe(`own-${round}`);
    }
    expect(rowCounts(path)).toMatchObject({ labels: 1, releases: 1, tracks: 3, versions: 3 + 40, renditions: 4 * 43 });
    expect(catalog.currentVersion('GBAYE2600001')).toBe('shared-1');
    expect(consistencyProblems(path)).toEqual([]);
  });
});

describe('ingest jobs', () => {
  it('records a job from start to finish', () => {
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z', '2026-01-01T00:00:09.000Z'];
    const clocked = open({ now: () => new Date(times.shift() ?? '2026-01-02T00:00:00.000Z') });
    const first = clocked.startJob({ isrc: 'GBAYE2600001', delivery: 'deliveries/aurora.json' });
    const second = clocked.startJob({ isrc: 'GBAYE2600002', delivery: 'deliveries/aurora.json' });
    expect(second).toBeGreaterThan(first);
    expect(clocked.jobs('GBAYE2600001')).toEqual([
      {
        id: first, isrc: 'GBAYE2600001', delivery: 'deliveries/aurora.json', state: 'running',
        version: null, lastError: null, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null, owner: null,
      },
    ]);

    clocked.finishJob(first, { state: 'published', version: 'v1' });
    clocked.finishJob(second, { state: 'failed', error: 'BAD_MASTER: 8-bit masters are refused' });
    expect(clocked.jobs()).toMatchObject([
      { id: first, state: 'published', version: 'v1', lastError: null, finishedAt: '2026-01-01T00:00:09.000Z' },
      { id: second, state: 'failed', version: null, lastError: 'BAD_MASTER: 8-bit masters are refused' },
    ]);
  });

  it('refuses to finish an unknown or already finished job', () => {
    const id = catalog.startJob({ isrc: 'GBAYE2600001', delivery: 'd.json' });
    catalog.finishJob(id, { state: 'skipped', version: 'v1' });
    expect(codeOf(() => catalog.finishJob(id, { state: 'failed', error: 'late' }))).toBe('CATALOG');
    expect(codeOf(() => catalog.finishJob(id + 100, { state: 'published' }))).toBe('NOT_FOUND');
    expect(catalog.jobs()[0]).toMatchObject({ state: 'skipped', lastError: null });
  });
});

describe('read-only catalog', () => {
  it('reads what others publish but cannot write', () => {
    catalog.publish(samplePublish());
    const reader = open({ readonly: true });
    expect(reader.getTrack('GBAYE2600001')!.current!.version).toBe('v1');

    expect(codeOf(() => reader.publish(samplePublish({ version: 'v2' })))).toBe('CATALOG');
    expect(() => reader.startJob({ isrc: 'GBAYE2600001', delivery: 'd.json' })).toThrow(/readonly/);
    catalog.publish(samplePublish({ version: 'v3' }));
    expect(reader.currentVersion('GBAYE2600001')).toBe('v3');
    expect(rowCounts(path)).toMatchObject({ versions: 2, ingest_jobs: 0 });
  });

  it('opens a catalog no writer has open', () => {
    catalog.publish(samplePublish());
    catalog.close();
    const reader = open({ readonly: true });
    expect(reader.currentVersion('GBAYE2600001')).toBe('v1');
  });
});

describe('ownership of recordings', () => {
  const ALBUM_UPC = '012345678912';
  const onAlbum = (options: Parameters<typeof samplePublish>[0] = {}): PublishInput => {
    const input = samplePublish({ upc: ALBUM_UPC, ...options });
    input.release.title = 'Aurora (Album)';
    input.track.trackNumber = 4;
    return input;
  };

  it('refuses another label publishing an ISRC, naming the owner, and changes nothing', () => {
    catalog.publish(samplePublish());
    const before = catalog.getTrack('GBAYE2600001');
    const counts = rowCounts(path);
    const hijack = samplePublish({ upc: ALBUM_UPC, label: 'Pirate Tunes', title: 'Stolen', version: 'v9' });

    expect(catalog.ownershipConflict(hijack)).toMatch(/belongs to label "Northern Lights Records" \(release 012345678905 "Aurora"\)/);
    expect(codeOf(() => catalog.publish(hijack))).toBe('CONFLICT');
    expect(catalog.getTrack('GBAYE2600001')).toEqual(before);
    expect(rowCounts(path)).toEqual(counts);
  });

  it("refuses another label's delivery of a known UPC", () => {
    catalog.publish(samplePublish());
    const other = samplePublish({ isrc: 'GBAYE2600009', label: 'Pirate Tunes' });
    expect(codeOf(() => catalog.publish(other))).toBe('CONFLICT');
    expect(catalog.getRelease('012345678905')).toMatchObject({ label: 'Northern Lights Records' });
  });

  it('keeps one recording on the single and the album, each with its own track number', () => {
    catalog.publish(samplePublish());
    catalog.publish(onAlbum());

    const view = catalog.getTrack('GBAYE2600001')!;
    expect(view.release.upc).toBe('012345678905');
    expect(view.trackNumber).toBe(1);
    expect(view.releases).toEqual([
      { upc: '012345678905', title: 'Aurora', trackNumber: 1, discNumber: 1 },
      { upc: ALBUM_UPC, title: 'Aurora (Album)', trackNumber: 4, discNumber: 1 },
    ]);
    expect(rowCounts(path)).toMatchObject({ releases: 2, tracks: 1, versions: 1, release_tracks: 2 });
    // Found once in search, under the release that first published it.
    expect(catalog.search({ q: 'prelude' }).map((r) => [r.isrc, r.album])).toEqual([['GBAYE2600001', 'Aurora']]);
  });

  it('a new master from the owner replaces the audio for every release', () => {
    catalog.publish(samplePublish());
    catalog.publish(onAlbum());
    const remaster = samplePublish({ version: 'v2' });
    remaster.version.masterSha256 = 'b'.repeat(64);
    catalog.publish({ ...remaster, expectedCurrent: 'v1' });
    expect(catalog.currentVersion('GBAYE2600001')).toBe('v2');
    expect(catalog.getTrack('GBAYE2600001')!.releases).toHaveLength(2);
  });

  it('of two racing publishes with different masters, the second is a CONFLICT', () => {
    const first = samplePublish({ version: 'v1' });
    first.version.masterSha256 = 'a'.repeat(64);
    const second = samplePublish({ version: 'v2' });
    second.version.masterSha256 = 'b'.repeat(64);
    // Both looked before either published: no track yet.
    catalog.publish({ ...first, expectedCurrent: null });
    expect(codeOf(() => catalog.publish({ ...second, expectedCurrent: null }))).toBe('CONFLICT');
    expect(catalog.currentVersion('GBAYE2600001')).toBe('v1');
    // The same master packaged by another ffmpeg build is not a conflict.
    const sameMaster = samplePublish({ version: 'v3' });
    sameMaster.version.masterSha256 = 'a'.repeat(64);
    expect(catalog.ownershipConflict({ ...sameMaster, expectedCurrent: null })).toBeNull();
  });
});
