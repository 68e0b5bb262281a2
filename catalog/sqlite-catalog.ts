// The Catalog on one better-sqlite3 connection: prepared statements composed from the query
// modules, with every SQLite failure reported as a CATALOG error naming the operation.

import type BetterSqlite3 from 'better-sqlite3';
import { catalogFailure } from './catalog-failure.ts';
import { prepareJobs } from './job-statements.ts';
import { prepareJournal } from './journal-statements.ts';
import { preparePublish } from './publish-transaction.ts';
import { memorySearchDocs, storedSearchDocs } from './search-docs.ts';
import { preparePlayCounts } from './search-index.ts';
import { prepareSearch } from './search-query.ts';
import { prepareTrackReads } from './track-reads.ts';
import type { Catalog } from './types.ts';

export interface SqliteCatalogOptions {
  /** Clock for published/updated/started/finished stamps. */
  now?: () => Date;
  /** Keep every track's search fields in memory (search-docs.ts): for a long-running server. */
  searchInMemory?: boolean;
}

/** Wraps an already opened and migrated connection; closing the catalog closes it. */
export function createSqliteCatalog(db: BetterSqlite3.Database, { now = () => new Date(), searchInMemory = false }: SqliteCatalogOptions = {}): Catalog {
  const publish = preparePublish(db, now);
  const search = prepareSearch(db, searchInMemory ? memorySearchDocs(db) : storedSearchDocs(db));
  const recordPlays = preparePlayCounts(db);
  const reads = prepareTrackReads(db);
  const jobs = prepareJobs(db, now);
  const journal = prepareJournal(db, publish);

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
    ownershipConflict: (claim) => guard(`check owner of ${claim.track.isrc}`, () => publish.ownershipConflict(claim)),
    getRelease: (upc) => guard(`read release ${upc}`, () => reads.getRelease(upc)),
    applyJournalEntry: (entry) => guard(`apply journal entry ${entry.number}`, () => journal.applyJournalEntry(entry)),
    journalPosition: () => guard('read the journal position', () => journal.journalPosition()),
    setJournalPosition: (position) => guard(`set the journal position to ${position.number}`, () => journal.setJournalPosition(position)),
    snapshotTo: (path) => guard(`write a snapshot to ${path}`, () => journal.snapshotTo(path)),
    search: (query) => guard('search', () => search(query)),
    recordPlays: (counts) => guard(`record plays of ${counts.length} tracks`, () => recordPlays(counts)),
    currentVersion: (isrc) => guard(`read track ${isrc}`, () => reads.currentVersion(isrc)),
    getTrack: (isrc) => guard(`read track ${isrc}`, () => reads.getTrack(isrc)),
    listCurrent: () => guard('list current versions', () => reads.listCurrent()),
    referencedVersions: () => guard('list referenced versions', () => reads.referencedVersions()),
    startJob: (input) => guard(`start job for ${input.isrc}`, () => jobs.startJob(input)),
    finishJob: (id, outcome) => guard(`finish job ${id}`, () => jobs.finishJob(id, outcome)),
    jobs: (isrc) => guard('list jobs', () => jobs.jobs(isrc)),
    close: () => {
      if (db.open) db.close();
    },
  };
}
