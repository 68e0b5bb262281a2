// Read queries for tracks and their current versions; rows decoded back into records.

import type BetterSqlite3 from 'better-sqlite3';
import type { ReleaseAliasStatements } from './release-alias-statements.ts';
import type { ReleaseCover, ReleaseMembership, ReleaseRecord, RenditionRecord, TrackView, VersionRecord } from './types.ts';

interface TrackRow {
  isrc: string;
  upc: string;
  title: string;
  artists: string;
  track_number: number;
  disc_number: number;
  explicit: number;
  track_genre: string | null;
  credits: string;
  p_line: string | null;
  current_version: string | null;
  label: string;
  release_title: string;
  release_artists: string;
  release_date: string;
  genre: string | null;
  cover_sha256: string | null;
  cover_extension: string | null;
}

interface VersionRow {
  isrc: string;
  version: string;
  duration_seconds: number;
  loudness_integrated: number | null;
  loudness_range: number;
  true_peak: number | null;
  published_at: string;
  master_sha256: string | null;
}

interface RenditionRow {
  id: string;
  codec: string;
  codecs: string;
  sample_rate: number;
  channels: number;
  bit_depth: number | null;
  average_bitrate: number;
  peak_bitrate: number;
}

const TRACK = `
SELECT t.isrc, t.upc, t.title, t.artists, t.track_number, t.disc_number, t.explicit, t.current_version,
       t.genre AS track_genre, t.credits, t.p_line,
       l.name AS label, r.title AS release_title, r.artists AS release_artists, r.release_date, r.genre,
       r.cover_sha256, r.cover_extension
FROM tracks t JOIN releases r ON r.upc = t.upc JOIN labels l ON l.id = r.label_id
WHERE t.isrc = ?`;

const RELEASE = `
SELECT r.upc, l.name AS label, r.title, r.artists, r.release_date, r.genre, r.cover_sha256, r.cover_extension
FROM releases r JOIN labels l ON l.id = r.label_id WHERE r.upc = ?`;

// The owning release first, then the others by release date.
const MEMBERSHIPS = `
SELECT m.upc, r.title, m.track_number AS trackNumber, m.disc_number AS discNumber
FROM release_tracks m JOIN releases r ON r.upc = m.upc JOIN tracks t ON t.isrc = m.isrc
WHERE m.isrc = ? ORDER BY m.upc <> t.upc, r.release_date, m.upc`;

export interface TrackReads {
  getRelease(upc: string): ReleaseRecord | null;
  releaseStartsAt(upc: string): string | null;
  releaseEndsAt(upc: string): string | null;
  currentVersion(isrc: string): string | null;
  getTrack(isrc: string): TrackView | null;
  listCurrent(): Array<{ isrc: string; version: string }>;
  referencedVersions(): Set<string>;
}

export function prepareTrackReads(db: BetterSqlite3.Database, aliases: ReleaseAliasStatements): TrackReads {
  const current = db.prepare<[string], string | null>('SELECT current_version FROM tracks WHERE isrc = ?').pluck();
  const track = db.prepare<[string], TrackRow>(TRACK);
  const territories = db.prepare<[string], string>(
    'SELECT territory FROM release_territories WHERE upc = ? ORDER BY position',
  ).pluck();
  const version = db.prepare<[string, string], VersionRow>('SELECT * FROM versions WHERE isrc = ? AND version = ?');
  const renditions = db.prepare<[string, string], RenditionRow>(
    'SELECT * FROM renditions WHERE isrc = ? AND version = ? ORDER BY position',
  );
  const release = db.prepare<[string], { upc: string; label: string; title: string; artists: string; release_date: string; genre: string | null; cover_sha256: string | null; cover_extension: string | null }>(RELEASE);
  const memberships = db.prepare<[string], ReleaseMembership>(MEMBERSHIPS);
  // starts_at is stored as toISOString() (rights-statements.ts), so text order is time order.
  const releaseStartsAt = db.prepare<[string], string | null>(
    'SELECT min(r.starts_at) FROM release_tracks m JOIN track_rights r ON r.isrc = m.isrc WHERE m.upc = ?',
  ).pluck();
  // The last end among the release's tracks; none (NULL) while one of them is open-ended.
  const releaseEndsAt = db.prepare<[string], string | null>(
    'SELECT CASE WHEN count(*) = count(r.ends_at) THEN max(r.ends_at) END FROM release_tracks m JOIN track_rights r ON r.isrc = m.isrc WHERE m.upc = ?',
  ).pluck();
  // Set only when there are some: a release without aliases reads as it did before they were kept.
  const aliasesOf = (upc: string): Pick<ReleaseRecord, 'aliases'> => {
    const found = aliases.aliasesOf(upc);
    return found.length > 0 ? { aliases: found } : {};
  };
  const listCurrent = db.prepare<[], { isrc: string; version: string }>(
    'SELECT isrc, current_version AS version FROM tracks WHERE current_version IS NOT NULL ORDER BY isrc',
  );

  // One read transaction so the view is a single snapshot even while another process publishes.
  const getTrack = db.transaction((isrc: string): TrackView | null => {
    const row = track.get(isrc);
    if (!row) return null;
    const release: ReleaseRecord = {
      upc: row.upc,
      label: row.label,
      title: row.release_title,
      artists: JSON.parse(row.release_artists) as string[],
      releaseDate: row.release_date,
      genre: row.genre,
      territories: territories.all(row.upc),
      cover: coverOf(row),
      ...aliasesOf(row.upc),
    };
    const versionRow = row.current_version === null ? undefined : version.get(row.isrc, row.current_version);
    return {
      isrc: row.isrc,
      upc: row.upc,
      title: row.title,
      artists: JSON.parse(row.artists) as string[],
      trackNumber: row.track_number,
      discNumber: row.disc_number,
      explicit: row.explicit === 1,
      genre: row.track_genre,
      credits: JSON.parse(row.credits) as TrackView['credits'],
      pLine: row.p_line === null ? null : (JSON.parse(row.p_line) as TrackView['pLine']),
      release,
      releases: memberships.all(row.isrc),
      current: versionRow ? toVersion(versionRow, renditions.all(versionRow.isrc, versionRow.version)) : null,
    };
  });

  const getRelease = (upc: string): ReleaseRecord | null => {
    const row = release.get(upc);
    if (!row) return null;
    return { upc: row.upc, label: row.label, title: row.title, artists: JSON.parse(row.artists) as string[], releaseDate: row.release_date, genre: row.genre, territories: territories.all(row.upc), cover: coverOf(row), ...aliasesOf(row.upc) };
  };

  return {
    getRelease: db.transaction(getRelease).deferred as (upc: string) => ReleaseRecord | null,
    releaseStartsAt: (upc) => releaseStartsAt.get(upc) ?? null,
    releaseEndsAt: (upc) => releaseEndsAt.get(upc) ?? null,
    currentVersion: (isrc) => current.get(isrc) ?? null,
    getTrack: (isrc) => getTrack.deferred(isrc),
    listCurrent: () => listCurrent.all(),
    referencedVersions: () => new Set(listCurrent.all().map((row) => `${row.isrc}/${row.version}`)),
  };
}

function coverOf(row: { cover_sha256: string | null; cover_extension: string | null }): ReleaseCover | null {
  return row.cover_sha256 === null || row.cover_extension === null ? null : { sha256: row.cover_sha256, extension: row.cover_extension as ReleaseCover['extension'] };
}

function toVersion(row: VersionRow, renditions: RenditionRow[]): VersionRecord {
  return {
    isrc: row.isrc,
    version: row.version,
    durationSeconds: row.duration_seconds,
    loudness: { integrated: row.loudness_integrated, range: row.loudness_range, truePeak: row.true_peak },
    renditions: renditions.map(toRendition),
    publishedAt: row.published_at,
    masterSha256: row.master_sha256,
  };
}

function toRendition(row: RenditionRow): RenditionRecord {
  return {
    id: row.id,
    codec: row.codec,
    codecs: row.codecs,
    sampleRate: row.sample_rate,
    channels: row.channels,
    bitDepth: row.bit_depth,
    averageBitrate: row.average_bitrate,
    peakBitrate: row.peak_bitrate,
  };
}
