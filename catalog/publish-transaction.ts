// The publish transaction: everything a track needs to be served, applied at once or not at all.

import type BetterSqlite3 from 'better-sqlite3';
import { CadenceError } from '../errors/cadence-error.ts';
import { prepareOwnership } from './ownership.ts';
import type { ReleaseAliasStatements } from './release-alias-statements.ts';
import { prepareSearchIndex } from './search-index.ts';
import type { OwnershipClaim, PublishInput, RenditionRecord, VersionRecord } from './types.ts';

// Upserts only write when a value differs (`IS NOT` also compares NULLs), so publishing the
// same input twice leaves every row, including tracks.updated_at, untouched.
const UPSERT_RELEASE = `
INSERT INTO releases (upc, label_id, title, artists, release_date, genre, cover_sha256, cover_extension)
VALUES (@upc, @labelId, @title, @artists, @releaseDate, @genre, @coverSha256, @coverExtension)
ON CONFLICT (upc) DO UPDATE SET
  label_id = excluded.label_id, title = excluded.title, artists = excluded.artists,
  release_date = excluded.release_date, genre = excluded.genre,
  cover_sha256 = excluded.cover_sha256, cover_extension = excluded.cover_extension
WHERE (releases.label_id, releases.title, releases.artists, releases.release_date, releases.genre, releases.cover_sha256, releases.cover_extension)
  IS NOT (excluded.label_id, excluded.title, excluded.artists, excluded.release_date, excluded.genre, excluded.cover_sha256, excluded.cover_extension)`;

// A track keeps the release that first published it (tracks.upc, its position there); the
// recording's own facts follow the latest publish from any of its releases.
const UPSERT_TRACK = `
INSERT INTO tracks (isrc, upc, title, artists, track_number, disc_number, explicit, genre, credits, p_line, updated_at)
VALUES (@isrc, @upc, @title, @artists, @trackNumber, @discNumber, @explicit, @genre, @credits, @pLine, @now)
ON CONFLICT (isrc) DO UPDATE SET
  title = excluded.title, artists = excluded.artists, explicit = excluded.explicit,
  genre = excluded.genre, credits = excluded.credits, p_line = excluded.p_line,
  track_number = iif(tracks.upc = excluded.upc, excluded.track_number, tracks.track_number),
  disc_number = iif(tracks.upc = excluded.upc, excluded.disc_number, tracks.disc_number),
  updated_at = excluded.updated_at
WHERE (tracks.title, tracks.artists, tracks.explicit, tracks.genre, tracks.credits, tracks.p_line)
    IS NOT (excluded.title, excluded.artists, excluded.explicit, excluded.genre, excluded.credits, excluded.p_line)
  OR (tracks.upc = excluded.upc AND (tracks.track_number, tracks.disc_number) IS NOT (excluded.track_number, excluded.disc_number))`;

const UPSERT_MEMBERSHIP = `
INSERT INTO release_tracks (upc, isrc, disc_number, track_number) VALUES (@upc, @isrc, @discNumber, @trackNumber)
ON CONFLICT (upc, isrc) DO UPDATE SET disc_number = excluded.disc_number, track_number = excluded.track_number
WHERE (release_tracks.disc_number, release_tracks.track_number) IS NOT (excluded.disc_number, excluded.track_number)`;

// A track no release lists any more (membership-statements.ts) is owned by the next release that
// lists it again, with its position there (the same label: ownershipConflict saw to that).
const ADOPT_TRACK = `
UPDATE tracks SET upc = @upc, track_number = @trackNumber, disc_number = @discNumber, updated_at = @now
WHERE isrc = @isrc AND upc <> @upc AND NOT EXISTS (SELECT 1 FROM release_tracks m WHERE m.isrc = tracks.isrc AND m.upc = tracks.upc)`;

const INSERT_VERSION = `
INSERT INTO versions (isrc, version, duration_seconds, loudness_integrated, loudness_range, true_peak, published_at, master_sha256)
VALUES (@isrc, @version, @durationSeconds, @integrated, @range, @truePeak, @publishedAt, @masterSha256)
ON CONFLICT (isrc, version) DO NOTHING`;

const INSERT_RENDITION = `
INSERT INTO renditions (isrc, version, id, position, codec, codecs, sample_rate, channels, bit_depth, average_bitrate, peak_bitrate)
VALUES (@isrc, @version, @id, @position, @codec, @codecs, @sampleRate, @channels, @bitDepth, @averageBitrate, @peakBitrate)`;

const FLIP_CURRENT = `
UPDATE tracks SET current_version = @version, updated_at = @now
WHERE isrc = @isrc AND current_version IS NOT @version`;

export interface PublishStatements {
  publish(input: PublishInput): void;
  /** A publish already decided (a journal entry): no ownership check, inside the caller's transaction. */
  applyDecided(input: PublishInput): void;
  publishMany(inputs: readonly PublishInput[]): void;
  ownershipConflict(claim: OwnershipClaim): string | null;
}

export function preparePublish(db: BetterSqlite3.Database, now: () => Date, aliases: ReleaseAliasStatements): PublishStatements {
  const insertLabel = db.prepare<[string]>('INSERT INTO labels (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
  const labelId = db.prepare<[string], number>('SELECT id FROM labels WHERE name = ?').pluck();
  const upsertRelease = db.prepare(UPSERT_RELEASE);
  const territories = db.prepare<[string], string>(
    'SELECT territory FROM release_territories WHERE upc = ? ORDER BY position',
  ).pluck();
  const deleteTerritories = db.prepare<[string]>('DELETE FROM release_territories WHERE upc = ?');
  const insertTerritory = db.prepare<[string, string, number]>(
    'INSERT INTO release_territories (upc, territory, position) VALUES (?, ?, ?)',
  );
  const upsertTrack = db.prepare(UPSERT_TRACK);
  const upsertMembership = db.prepare(UPSERT_MEMBERSHIP);
  const adoptTrack = db.prepare(ADOPT_TRACK);
  const ownership = prepareOwnership(db);
  // An id of one release never becomes another's (a DDEX ingest refuses such a message first).
  const ownershipConflict = (claim: OwnershipClaim): string | null => ownership(claim) ?? aliases.aliasConflict(claim.release);
  const insertVersion = db.prepare(INSERT_VERSION);
  const insertRendition = db.prepare(INSERT_RENDITION);
  const flipCurrent = db.prepare(FLIP_CURRENT);
  const indexForSearch = prepareSearchIndex(db);
  const otherTracks = db.prepare<[string, string], { isrc: string; title: string; artists: string; genre: string | null }>(
    'SELECT isrc, title, artists, genre FROM tracks WHERE upc = ? AND isrc <> ? AND current_version IS NOT NULL',
  );

  const ownerRelease = db.prepare<[string], { upc: string; title: string; artists: string; genre: string | null }>(
    'SELECT r.upc, r.title, r.artists, r.genre FROM tracks t JOIN releases r ON r.upc = t.upc WHERE t.isrc = ?',
  );

  const apply = db.transaction((input: PublishInput) => {
    // Checked under the write lock, so of two racing publishes the second sees the first.
    const conflict = ownershipConflict(input);
    if (conflict) throw new CadenceError('CONFLICT', conflict);
    write(input);
  });
  const write = (input: PublishInput): void => {
    const { release, track, version } = input;
    const stamp = now().toISOString();

    insertLabel.run(release.label);
    const releaseChanged = upsertRelease.run({
      upc: release.upc,
      labelId: labelId.get(release.label),
      title: release.title,
      artists: JSON.stringify(release.artists),
      releaseDate: release.releaseDate,
      genre: release.genre,
      // The release's facts follow the latest publish: a delivery without a cover clears it.
      coverSha256: release.cover?.sha256 ?? null,
      coverExtension: release.cover?.extension ?? null,
    }).changes > 0;
    aliases.record(release);

    const wanted = unique(release.territories);
    if (!sameList(territories.all(release.upc), wanted)) {
      deleteTerritories.run(release.upc);
      wanted.forEach((territory, position) => insertTerritory.run(release.upc, territory, position));
    }

    upsertTrack.run({
      isrc: track.isrc,
      upc: track.upc,
      title: track.title,
      artists: JSON.stringify(track.artists),
      trackNumber: track.trackNumber,
      discNumber: track.discNumber,
      explicit: track.explicit ? 1 : 0,
      genre: track.genre ?? null,
      credits: JSON.stringify(track.credits ?? []),
      pLine: track.pLine ? JSON.stringify({ year: track.pLine.year, text: track.pLine.text }) : null,
      now: stamp,
    });
    upsertMembership.run({ upc: release.upc, isrc: track.isrc, discNumber: track.discNumber, trackNumber: track.trackNumber });
    adoptTrack.run({ upc: release.upc, isrc: track.isrc, discNumber: track.discNumber, trackNumber: track.trackNumber, now: stamp });

    // Versions are content-addressed and immutable: an existing row (and its renditions) is
    // already the same packaging, so only a new version writes renditions.
    if (insertVersion.run(versionRow(version)).changes === 1) {
      version.renditions.forEach((rendition, position) =>
        insertRendition.run(renditionRow(version, rendition, position)),
      );
    }

    flipCurrent.run({ isrc: track.isrc, version: version.version, now: stamp });
    // Search sees exactly what was published, in the same transaction. The album, genre and
    // release artists are in every track's search fields, so a changed release re-indexes the
    // release's other tracks too (a delivery may correct the release and carry one track).
    // A recording's own genre, when it has one, is the genre it is found by.
    const searchDocument = (title: string, artists: string[], genre: string | null, on: SearchRelease = release) => ({
      title,
      artists: unique([...artists, ...on.artists]),
      album: on.title,
      genre: genre ?? on.genre,
    });
    // A track is found under its owning release (the one that first published it).
    const owner = ownerRelease.get(track.isrc);
    const indexedUnder = owner && owner.upc !== release.upc ? { title: owner.title, artists: JSON.parse(owner.artists) as string[], genre: owner.genre } : release;
    indexForSearch(track.isrc, searchDocument(track.title, track.artists, track.genre ?? null, indexedUnder));
    if (releaseChanged) {
      for (const other of otherTracks.all(release.upc, track.isrc)) indexForSearch(other.isrc, searchDocument(other.title, JSON.parse(other.artists) as string[], other.genre));
    }
  };
  const applyMany = db.transaction((inputs: readonly PublishInput[]) => {
    for (const input of inputs) apply(input);
  });

  return {
    publish(input) {
      checkConsistent(input);
      // IMMEDIATE takes the write lock up front, so a concurrent writer waits on busy_timeout
      // instead of failing when it would upgrade a read lock mid-transaction.
      apply.immediate(input);
    },
    publishMany(inputs) {
      inputs.forEach(checkConsistent);
      applyMany.immediate(inputs);
    },
    applyDecided(input) {
      checkConsistent(input);
      write(input);
    },
    ownershipConflict,
  };
}

type SearchRelease = { title: string; artists: string[]; genre: string | null };

function versionRow(version: VersionRecord) {
  return {
    isrc: version.isrc,
    version: version.version,
    durationSeconds: version.durationSeconds,
    integrated: version.loudness.integrated,
    range: version.loudness.range,
    truePeak: version.loudness.truePeak,
    publishedAt: version.publishedAt,
    masterSha256: version.masterSha256 ?? null,
  };
}

function renditionRow(version: VersionRecord, rendition: RenditionRecord, position: number) {
  return {
    isrc: version.isrc,
    version: version.version,
    id: rendition.id,
    position,
    codec: rendition.codec,
    codecs: rendition.codecs,
    sampleRate: rendition.sampleRate,
    channels: rendition.channels,
    bitDepth: rendition.bitDepth,
    averageBitrate: rendition.averageBitrate,
    peakBitrate: rendition.peakBitrate,
  };
}

/** Refuses inputs whose parts disagree before anything is written. */
function checkConsistent({ release, track, version }: PublishInput): void {
  const at = `${track.isrc}/${version.version}`;
  if (track.upc !== release.upc) {
    throw new CadenceError('CATALOG', `publish ${at}: track upc ${track.upc} is not the release's upc ${release.upc}`);
  }
  if (version.isrc !== track.isrc) {
    throw new CadenceError('CATALOG', `publish ${at}: version belongs to isrc ${version.isrc}`);
  }
  if (release.cover && !(/^[0-9a-f]{64}$/.test(release.cover.sha256) && (release.cover.extension === 'jpg' || release.cover.extension === 'png'))) {
    throw new CadenceError('CATALOG', `publish ${at}: release ${release.upc} has a malformed cover (sha256 ${release.cover.sha256}, ${release.cover.extension})`);
  }
  if (version.renditions.length === 0) {
    throw new CadenceError('CATALOG', `publish ${at}: a version needs at least one rendition`);
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
