// The Catalog on one better-sqlite3 connection: prepared statements composed from the query
// modules, with every SQLite failure reported as a CATALOG error naming the operation.

import type BetterSqlite3 from 'better-sqlite3';
import { catalogFailure } from './catalog-failure.ts';
import { prepareJobs } from './job-statements.ts';
import { preparePublish } from './publish-transaction.ts';
import { prepareRights, searchVisibility } from './rights-statements.ts';
import { memorySearchDocs, storedSearchDocs } from './search-docs.ts';
import { preparePlayCounts } from './search-index.ts';
import { prepareSearch } from './search-query.ts';
import { prepareTrackReads } from './track-reads.ts';
import type { Catalog, PublishInput } from './types.ts';

export interface SqliteCatalogOptions {
  /** Clock for published/updated/started/finished stamps. */
  now?: () => Date;
  /** Keep every track's search fields in memory (search-docs.ts): for a long-running server. */
  searchInMemory?: boolean;
}

/** Wraps an already opened and migrated connection; closing the catalog closes it. */
export function createSqliteCatalog(db: BetterSqlite3.Database, { now = () => new Date(), searchInMemory = false }: SqliteCatalogOptions = {}): Catalog {
  const publishOnly = preparePublish(db, now);
  const rights = prepareRights(db);
  // The rights are written in the publish's transaction (it nests as a savepoint).
  const publish = {
    publish: db.transaction((input: PublishInput) => {
      publishOnly.publish(input);
      rights.writeRights(input);
    }).immediate,
    publishMany: db.transaction((inputs: readonly PublishInput[]) => {
      publishOnly.publishMany(inputs);
      inputs.forEach(rights.writeRights);
    }).immediate,
  };
  const visibility = searchVisibility(db);
  const search = prepareSearch(db, searchInMemory ? memorySearchDocs(db) : storedSearchDocs(db), () => visibility.hiddenAt(now()));
  const recordPlays = preparePlayCounts(db);
  const reads = prepareTrackReads(db);
  const jobs = prepareJobs(db, now);

  function guard<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (cause) {
      throw catalogFailure(what, cause);
    }
  }

  return {
    publish: (input) => guard(`publish ${input.track.isrc}/${input.version.version}`, () => publish.publish(input)),
    publishMany: (inputs) => guard(`publish ${inputs.length} tracks`, () => publish.publishMany(inputs)),
    search: (query) => guard('search', () => search(query)),
    recordPlays: (counts) => guard(`record plays of ${counts.length} tracks`, () => recordPlays(counts)),
    currentVersion: (isrc) => guard(`read track ${isrc}`, () => reads.currentVersion(isrc)),
    getTrack: (isrc) => guard(`read track ${isrc}`, () => reads.getTrack(isrc)),
    listCurrent: () => guard('list current versions', () => reads.listCurrent()),
    referencedVersions: () => guard('list referenced versions', () => reads.referencedVersions()),
    availability: (isrc) => guard(`read rights of ${isrc}`, () => rights.availability(isrc)),
    setTakedown: (target, takedown) =>
      guard(`${takedown ? 'take down' : 'restore'} ${'upc' in target ? `release ${target.upc}` : target.isrcs.join(', ')}`, () => rights.setTakedown(target, takedown)),
    startJob: (input) => guard(`start job for ${input.isrc}`, () => jobs.startJob(input)),
    finishJob: (id, outcome) => guard(`finish job ${id}`, () => jobs.finishJob(id, outcome)),
    jobs: (isrc) => guard('list jobs', () => jobs.jobs(isrc)),
    close: () => {
      if (db.open) db.close();
    },
  };
}
