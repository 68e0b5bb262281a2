// The operator's reads (`cadence tracks`, `cadence track`): versions with the current one marked,
// every release with positions and owner, availability, the latest jobs.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCatalog } from './open-catalog.ts';
import { samplePublish, tempCatalogPath } from './test-support.ts';
import type { Catalog, PublishInput } from './types.ts';

const ISRC = 'GBAYE2600001';
const SINGLE = '012345678905';
const ALBUM = '5901234123457';
let catalog: Catalog;
let cleanup: () => void;

function publish(options: Parameters<typeof samplePublish>[0] & { publishedAt?: string; masterSha256?: string; trackNumber?: number; releaseDate?: string }): PublishInput {
  const input = samplePublish(options);
  input.version.publishedAt = options.publishedAt ?? input.version.publishedAt;
  input.version.masterSha256 = options.masterSha256 ?? null;
  input.track.trackNumber = options.trackNumber ?? 1;
  input.release.releaseDate = options.releaseDate ?? input.release.releaseDate;
  return input;
}

beforeEach(() => {
  let path: string;
  ({ path, cleanup } = tempCatalogPath());
  let tick = 0;
  catalog = openCatalog(path, { now: () => new Date(Date.UTC(2026, 11, 3, 10, 0, tick++)) });
});
afterEach(() => {
  catalog.close();
  cleanup();
});

describe('track details', () => {
  it('lists every version newest first with the current one marked, every release with its position, the owner first', () => {
    catalog.publish(publish({ version: 'v1', masterSha256: 'a'.repeat(64), publishedAt: '2026-11-01T10:00:00.000Z' }));
    catalog.publish(publish({ version: 'v2', masterSha256: 'b'.repeat(64), publishedAt: '2026-11-20T10:00:00.000Z' }));
    // The same recording on an album, track 4, released later.
    catalog.publish(publish({ version: 'v2', masterSha256: 'b'.repeat(64), upc: ALBUM, trackNumber: 4, releaseDate: '2027-01-15', publishedAt: '2026-11-20T10:00:00.000Z' }));

    const details = catalog.trackDetails(ISRC)!;
    expect(details).toMatchObject({ isrc: ISRC, title: 'Prelude', artists: ['Ilse Varga'], explicit: false, currentVersion: 'v2' });
    expect(details.versions).toEqual([
      { version: 'v2', publishedAt: '2026-11-20T10:00:00.000Z', masterSha256: 'b'.repeat(64), durationSeconds: 187.25, renditions: ['aac-96', 'aac-160', 'aac-320', 'flac'], current: true },
      { version: 'v1', publishedAt: '2026-11-01T10:00:00.000Z', masterSha256: 'a'.repeat(64), durationSeconds: 187.25, renditions: ['aac-96', 'aac-160', 'aac-320', 'flac'], current: false },
    ]);
    expect(details.releases).toEqual([
      { upc: SINGLE, title: 'Aurora', label: 'Northern Lights Records', discNumber: 1, trackNumber: 1, owner: true },
      { upc: ALBUM, title: 'Aurora', label: 'Northern Lights Records', discNumber: 1, trackNumber: 4, owner: false },
    ]);
    expect(catalog.trackDetails('GBAYE2699999')).toBeNull();
  });

  it('shows availability (rights and takedown) and the latest jobs newest first, with their errors', () => {
    catalog.publish({ ...publish({}), rights: { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-11-01T00:00:00Z', endsAt: '2027-06-30T00:00:00Z', tiers: ['premium', 'hifi'] } });
    catalog.setTakedown({ isrcs: [ISRC] }, { source: 'ddex', messageId: 'ALBUM-4', reason: 'label request', at: '2026-12-01T09:00:00Z' });
    for (let i = 0; i < 7; i++) {
      const id = catalog.startJob({ isrc: ISRC, delivery: `delivery-${i}.json` });
      catalog.finishJob(id, i === 6 ? { state: 'failed', error: 'BAD_MASTER: masters/01.flac: not a FLAC file' } : { state: 'published', version: 'v1' });
    }

    const details = catalog.trackDetails(ISRC, { jobs: 3 })!;
    expect(details.availability).toEqual({
      rights: { territories: ['WW'], excludedTerritories: ['FR'], startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-06-30T00:00:00.000Z', tiers: ['premium', 'hifi'] },
      takedown: { source: 'ddex', messageId: 'ALBUM-4', reason: 'label request', at: '2026-12-01T09:00:00.000Z' },
    });
    expect(details.jobs.map((job) => [job.delivery, job.state, job.lastError])).toEqual([
      ['delivery-6.json', 'failed', 'BAD_MASTER: masters/01.flac: not a FLAC file'],
      ['delivery-5.json', 'published', null],
      ['delivery-4.json', 'published', null],
    ]);
    expect(catalog.trackDetails(ISRC)!.jobs).toHaveLength(5);
  });
});

describe('track listing', () => {
  beforeEach(() => {
    catalog.publish(publish({ isrc: 'GBAYE2600003', title: 'Coda', trackNumber: 3 }));
    catalog.publish(publish({ isrc: ISRC, title: 'Prelude', trackNumber: 1 }));
    catalog.publish(publish({ isrc: 'GBAYE2600009', title: 'Elsewhere', upc: ALBUM, trackNumber: 1 }));
    // The prelude is also track 2 of the album.
    catalog.publish(publish({ isrc: ISRC, title: 'Prelude', upc: ALBUM, trackNumber: 2 }));
  });

  it('lists every track by ISRC with its owning release, current version and availability', () => {
    catalog.setTakedown({ isrcs: ['GBAYE2600003'] }, { source: 'operator', reason: 'dispute', at: '2026-12-01T09:00:00Z' });
    const job = catalog.startJob({ isrc: ISRC, delivery: 'd.json' });
    catalog.finishJob(job, { state: 'published', version: 'v1' });

    const listing = catalog.listTracks()!;
    expect(listing.map((row) => [row.isrc, row.upc, row.trackNumber])).toEqual([
      [ISRC, SINGLE, 1],
      ['GBAYE2600003', SINGLE, 3],
      ['GBAYE2600009', ALBUM, 1],
    ]);
    expect(listing[0]).toMatchObject({ title: 'Prelude', currentVersion: 'v1', publishedAt: '2026-11-01T10:00:00.000Z', durationSeconds: 187.25, lastJob: { id: job, state: 'published', lastError: null } });
    expect(listing[1]!.availability?.takedown).toEqual({ source: 'operator', reason: 'dispute', at: '2026-12-01T09:00:00.000Z' });
    expect(listing[1]!.lastJob).toBeNull();
  });

  it('lists one release in disc and track order with its own positions; an unknown release is null', () => {
    expect(catalog.listTracks({ upc: ALBUM })!.map((row) => [row.isrc, row.upc, row.discNumber, row.trackNumber])).toEqual([
      ['GBAYE2600009', ALBUM, 1, 1],
      [ISRC, ALBUM, 1, 2],
    ]);
    expect(catalog.listTracks({ upc: '4006381333931' })).toBeNull();
  });
});
