// The Catalog on one better-sqlite3 connection: prepared statements composed from the query
// modules, with every SQLite failure reported as a CATALOG error naming the operation.

import type BetterSqlite3 from 'better-sqlite3';
import { catalogFailure } from './catalog-failure.ts';
import { prepareJobs } from './job-statements.ts';
import { prepareJournal } from './journal-statements.ts';
import { prepareMembership } from './membership-statements.ts';
import { type PublishStatements, preparePublish } from './publish-transaction.ts';
import { prepareReleaseAliases } from './release-alias-statements.ts';
import { prepareRights, searchVisibility } from './rights-statements.ts';
import { memorySearchDocs, storedSearchDocs } from './search-docs.ts';
import { preparePlayStream } from './play-stream-statements.ts';
import { preparePlayCounts } from './search-index.ts';
import { prepareSearch } from './search-query.ts';
import { quickCheck } from './quick-check.ts';
import { retryWhileBusy } from './retry-busy.ts';
import { prepareTrackDetails } from './track-details.ts';
import { prepareTrackReads } from './track-reads.ts';
import type { Catalog, PublishInput, TakedownTarget } from './types.ts';

export interface SqliteCatalogOptions {
  /** Clock for published/updated/started/finished stamps. */
  now?: () => Date;
  /** Keep every track's search fields in memory (search-docs.ts): for a long-running server. */
  searchInMemory?: boolean;
  /**
   * How long a write keeps retrying while another process holds the write lock (each attempt
   * already waits busy_timeout): bounded, so a stuck writer elsewhere ends in a CATALOG error.
   */
  writeRetryMs?: number;
}

/** Wraps an already opened and migrated connection; closing the catalog closes it. */
export function createSqliteCatalog(db: BetterSqlite3.Database, { now = () => new Date(), searchInMemory = false, writeRetryMs = 15_000 }: SqliteCatalogOptions = {}): Catalog {
  // A release's other ids: prepared once, shared by publishing, reads and lookups.
  const aliases = prepareReleaseAliases(db);
  const publishOnly = preparePublish(db, now, aliases);
  const rights = prepareRights(db);
  // The rights are written in the publish's transaction (publishOnly's nests as a savepoint), and
  // with every journal entry applied, which carries them in its input.
  const publish: PublishStatements = {
    ...publishOnly,
    publish: db.transaction((input: PublishInput) => {
      publishOnly.publish(input);
      rights.writeRights(input);
    }).immediate,
    publishMany: db.transaction((inputs: readonly PublishInput[]) => {
      publishOnly.publishMany(inputs);
      inputs.forEach(rights.writeRights);
    }).immediate,
    applyDecided(input) {
      publishOnly.applyDecided(input);
      rights.writeRights(input);
    },
  };
  const visibility = searchVisibility(db);
  const search = prepareSearch(db, searchInMemory ? memorySearchDocs(db) : storedSearchDocs(db), () => visibility.hiddenAt(now()));
  const recordPlays = preparePlayCounts(db);
  const playStream = preparePlayStream(db, recordPlays);
  const reads = prepareTrackReads(db, aliases);
  const jobs = prepareJobs(db, now);
  const membership = prepareMembership(db, now);
  const removeFromRelease = db.transaction((upc: string, isrcs: readonly string[]) => membership.removeFromRelease(upc, isrcs));
  const journal = prepareJournal(db, { publish, rights, membership });
  const details = prepareTrackDetails(db, { availability: rights.availability, jobs: (isrc) => jobs.jobs(isrc) });
  // A release named by any of its ids is the release with that id (an alias never moves to another).
  const releaseNamed = (id: string): string => aliases.resolve(id) ?? id;
  const resolved = (target: TakedownTarget): TakedownTarget => ('upc' in target ? { upc: releaseNamed(target.upc) } : target);

  function guard<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (cause) {
      throw catalogFailure(what, cause, db.name);
    }
  }
  // Every write is one IMMEDIATE transaction or one statement: when busy it did nothing, so a retry is safe.
  const write = <T>(what: string, run: () => T): T => guard(what, () => retryWhileBusy(run, { timeoutMs: writeRetryMs }));

  return {
    publish: (input) => write(`publish ${input.track.isrc}/${input.version.version}`, () => publish.publish(input)),
    publishMany: (inputs) => write(`publish ${inputs.length} tracks`, () => publish.publishMany(inputs)),
    ownershipConflict: (claim) => guard(`check owner of ${claim.track.isrc}`, () => publish.ownershipConflict(claim)),
    getRelease: (upc) => guard(`read release ${upc}`, () => reads.getRelease(upc)),
    resolveRelease: (id) => guard(`resolve release ${id}`, () => aliases.resolve(id)),
    releaseAliases: (upc) => guard(`read the ids of release ${upc}`, () => aliases.aliasesOf(upc)),
    releaseStartsAt: (upc) => guard(`read the start of release ${upc}`, () => reads.releaseStartsAt(upc)),
    releaseEndsAt: (upc) => guard(`read the end of release ${upc}`, () => reads.releaseEndsAt(upc)),
    applyJournalEntry: (entry) => guard(`apply journal entry ${entry.number}`, () => journal.applyJournalEntry(entry)),
    journalPosition: () => guard('read the journal position', () => journal.journalPosition()),
    setJournalPosition: (position) => guard(`set the journal position to ${position.number}`, () => journal.setJournalPosition(position)),
    snapshotTo: (path) => guard(`write a snapshot to ${path}`, () => journal.snapshotTo(path)),
    search: (query) => guard('search', () => search(query)),
    // Not retried: the origin flushes plays on its event loop, and popularity is only a hint.
    recordPlays: (counts) => guard(`record plays of ${counts.length} tracks`, () => recordPlays(counts)),
    playStreamPosition: (stream) => guard(`read the position in ${stream}`, () => playStream.playStreamPosition(stream)),
    // Retried while busy: the counts and the position move together, so a retry never counts twice.
    applyPlayEvents: (stream, events) => write(`apply ${events.length} play events from ${stream}`, () => playStream.applyPlayEvents(stream, events)),
    currentVersion: (isrc) => guard(`read track ${isrc}`, () => reads.currentVersion(isrc)),
    getTrack: (isrc) => guard(`read track ${isrc}`, () => reads.getTrack(isrc)),
    trackDetails: (isrc, options) => guard(`read details of track ${isrc}`, () => details.trackDetails(isrc, options)),
    listTracks: (options) => guard(options?.upc === undefined ? 'list tracks' : `list tracks of release ${options.upc}`, () =>
      details.listTracks(options?.upc === undefined ? options : { ...options, upc: releaseNamed(options.upc) }),
    ),
    listCurrent: () => guard('list current versions', () => reads.listCurrent()),
    referencedVersions: () => guard('list referenced versions', () => reads.referencedVersions()),
    availability: (isrc) => guard(`read rights of ${isrc}`, () => rights.availability(isrc)),
    releaseTakedowns: (upc) => guard(`read the takedowns of release ${upc}`, () => rights.releaseTakedowns(upc)),
    setTakedown: (target, takedown) =>
      write(`${takedown ? 'take down' : 'restore'} ${'upc' in target ? `release ${target.upc}` : target.isrcs.join(', ')}`, () => rights.setTakedown(resolved(target), takedown)),
    removeFromRelease: (upc, isrcs) => write(`take ${isrcs.join(', ')} off release ${upc}`, () => removeFromRelease.immediate(upc, isrcs)),
    takedownTargets: (target, takedown) => guard(`resolve ${'upc' in target ? `release ${target.upc}` : target.isrcs.join(', ')}`, () => rights.takedownTargets(resolved(target), takedown)),
    startJob: (input) => write(`start job for ${input.isrc}`, () => jobs.startJob(input)),
    finishJob: (id, outcome) => write(`finish job ${id}`, () => jobs.finishJob(id, outcome)),
    jobs: (isrc) => guard('list jobs', () => jobs.jobs(isrc)),
    failAbandonedJobs: (isGone) => write('mark abandoned jobs', () => jobs.failAbandonedJobs(isGone)),
    quickCheck: () => quickCheck(db),
    close: () => {
      if (db.open) db.close();
    },
  };
}
