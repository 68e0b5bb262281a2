// What an operator reads about published tracks (`cadence tracks`, `cadence track ISRC`): every
// version, every release, availability and the latest jobs, each answer read in one transaction.

import type BetterSqlite3 from 'better-sqlite3';
import type { Catalog, JobRecord, TrackAvailability, TrackDetails, TrackListing, TrackReleaseEntry, VersionSummary } from './types.ts';

export type TrackDetailReads = Pick<Catalog, 'trackDetails' | 'listTracks'>;

export interface TrackDetailSources {
  /** A track's rights and takedown (rights-statements.ts). */
  availability(isrc: string): TrackAvailability | null;
  /** A track's jobs, oldest first (job-statements.ts). */
  jobs(isrc: string): JobRecord[];
}

interface VersionRow {
  version: string;
  published_at: string;
  master_sha256: string | null;
  duration_seconds: number;
  renditions: string | null;
  current: number;
}

interface ListingRow {
  isrc: string;
  title: string;
  artists: string;
  upc: string;
  disc_number: number;
  track_number: number;
  current_version: string | null;
  published_at: string | null;
  duration_seconds: number | null;
}

interface LastJobRow {
  id: number;
  state: JobRecord['state'];
  last_error: string | null;
  finished_at: string | null;
}

// Newest first; rowid breaks ties between versions published in the same millisecond.
const VERSIONS = `
SELECT v.version, v.published_at, v.master_sha256, v.duration_seconds,
       (SELECT group_concat(id, ',') FROM (SELECT id FROM renditions r WHERE r.isrc = v.isrc AND r.version = v.version ORDER BY position)) AS renditions,
       v.version IS t.current_version AS current
FROM versions v JOIN tracks t ON t.isrc = v.isrc
WHERE v.isrc = ? ORDER BY v.published_at DESC, v.rowid DESC`;

// The owning release first, then the others by release date (as track-reads.ts lists them).
const RELEASES = `
SELECT m.upc, r.title, m.track_number AS trackNumber, m.disc_number AS discNumber, l.name AS label, m.upc = t.upc AS owner
FROM release_tracks m JOIN releases r ON r.upc = m.upc JOIN labels l ON l.id = r.label_id JOIN tracks t ON t.isrc = m.isrc
WHERE m.isrc = ? ORDER BY m.upc <> t.upc, r.release_date, m.upc`;

const LISTING_COLUMNS = `t.isrc, t.title, t.artists, v.published_at, v.duration_seconds, t.current_version`;
const CURRENT = 'LEFT JOIN versions v ON v.isrc = t.isrc AND v.version = t.current_version';

export function prepareTrackDetails(db: BetterSqlite3.Database, sources: TrackDetailSources): TrackDetailReads {
  const track = db.prepare<[string], { isrc: string; title: string; artists: string; explicit: number; current_version: string | null }>(
    'SELECT isrc, title, artists, explicit, current_version FROM tracks WHERE isrc = ?',
  );
  const versions = db.prepare<[string], VersionRow>(VERSIONS);
  const releases = db.prepare<[string], Omit<TrackReleaseEntry, 'owner'> & { owner: number }>(RELEASES);
  const releaseExists = db.prepare<[string], number>('SELECT 1 FROM releases WHERE upc = ?').pluck();
  const all = db.prepare<[], ListingRow>(`SELECT ${LISTING_COLUMNS}, t.upc, t.disc_number, t.track_number FROM tracks t ${CURRENT} ORDER BY t.isrc`);
  const ofRelease = db.prepare<[string], ListingRow>(
    `SELECT ${LISTING_COLUMNS}, m.upc, m.disc_number, m.track_number FROM release_tracks m JOIN tracks t ON t.isrc = m.isrc ${CURRENT}
     WHERE m.upc = ? ORDER BY m.disc_number, m.track_number, t.isrc`,
  );
  const lastJob = db.prepare<[string], LastJobRow>('SELECT id, state, last_error, finished_at FROM ingest_jobs WHERE isrc = ? ORDER BY id DESC LIMIT 1');

  const details = db.transaction((isrc: string, jobs: number): TrackDetails | null => {
    const row = track.get(isrc);
    if (!row) return null;
    return {
      isrc: row.isrc,
      title: row.title,
      artists: JSON.parse(row.artists) as string[],
      explicit: row.explicit === 1,
      currentVersion: row.current_version,
      versions: versions.all(isrc).map(toVersionSummary),
      releases: releases.all(isrc).map((release) => ({ ...release, owner: release.owner === 1 })),
      availability: sources.availability(isrc),
      jobs: jobs > 0 ? sources.jobs(isrc).slice(-jobs).reverse() : [],
    };
  });

  const list = db.transaction((upc: string | undefined): TrackListing[] | null => {
    if (upc !== undefined && releaseExists.get(upc) === undefined) return null;
    const rows = upc === undefined ? all.all() : ofRelease.all(upc);
    return rows.map((row): TrackListing => {
      const job = lastJob.get(row.isrc);
      return {
        isrc: row.isrc,
        title: row.title,
        artists: JSON.parse(row.artists) as string[],
        upc: row.upc,
        discNumber: row.disc_number,
        trackNumber: row.track_number,
        currentVersion: row.current_version,
        publishedAt: row.published_at,
        durationSeconds: row.duration_seconds,
        availability: sources.availability(row.isrc),
        lastJob: job ? { id: job.id, state: job.state, lastError: job.last_error, finishedAt: job.finished_at } : null,
      };
    });
  });

  return {
    trackDetails: (isrc, { jobs = 5 } = {}) => details.deferred(isrc, jobs),
    listTracks: ({ upc } = {}) => list.deferred(upc),
  };
}

function toVersionSummary(row: VersionRow): VersionSummary {
  return {
    version: row.version,
    publishedAt: row.published_at,
    masterSha256: row.master_sha256,
    durationSeconds: row.duration_seconds,
    renditions: row.renditions === null ? [] : row.renditions.split(','),
    current: row.current === 1,
  };
}
