// Taking tracks off a release (a DDEX update that no longer lists them): the track leaves the
// release's track list (release_tracks), nothing else about it changes. A track its owning release
// drops while another release still lists it is then owned by that other release (the earliest by
// release date, then UPC: the order track views list releases in), with its position there, and is
// found in search under it. A track no release lists any more keeps its owner (its label keeps the
// ISRC, its versions stay, so listing it again encodes nothing): it is on no release, which the
// caller turns into a takedown (pipeline/release-removals.ts).

import type BetterSqlite3 from 'better-sqlite3';
import { prepareSearchIndex } from './search-index.ts';
import type { ReleaseRemoval } from './types.ts';

export interface MembershipStatements {
  /** Inside the caller's transaction (a journal entry's, or its own via the catalog). */
  removeFromRelease(upc: string, isrcs: readonly string[]): ReleaseRemoval;
}

interface OwnerRow {
  upc: string;
  title: string;
  artists: string;
  release_title: string;
  release_artists: string;
  /** The recording's own genre, else the release's (as publish-transaction.ts indexes it). */
  genre: string | null;
}

export function prepareMembership(db: BetterSqlite3.Database, now: () => Date): MembershipStatements {
  const remove = db.prepare<[string, string]>('DELETE FROM release_tracks WHERE upc = ? AND isrc = ?');
  const ownerOf = db.prepare<[string], string>('SELECT upc FROM tracks WHERE isrc = ?').pluck();
  const nextOwner = db.prepare<[string], { upc: string; track_number: number; disc_number: number }>(
    'SELECT m.upc, m.track_number, m.disc_number FROM release_tracks m JOIN releases r ON r.upc = m.upc WHERE m.isrc = ? ORDER BY r.release_date, m.upc LIMIT 1',
  );
  const move = db.prepare('UPDATE tracks SET upc = @upc, track_number = @trackNumber, disc_number = @discNumber, updated_at = @now WHERE isrc = @isrc');
  const owned = db.prepare<[string], OwnerRow>(
    'SELECT r.upc, t.title, t.artists, r.title AS release_title, r.artists AS release_artists, coalesce(t.genre, r.genre) AS genre FROM tracks t JOIN releases r ON r.upc = t.upc WHERE t.isrc = ?',
  );
  const indexForSearch = prepareSearchIndex(db);

  return {
    removeFromRelease(upc, isrcs) {
      const result: ReleaseRemoval = { removed: [], moved: [], onNoRelease: [] };
      for (const isrc of new Set(isrcs)) {
        if (remove.run(upc, isrc).changes === 0) continue; // not on it (already removed, or never)
        result.removed.push(isrc);
        if (ownerOf.get(isrc) !== upc) continue;
        const next = nextOwner.get(isrc);
        if (!next) {
          result.onNoRelease.push(isrc);
          continue;
        }
        move.run({ isrc, upc: next.upc, trackNumber: next.track_number, discNumber: next.disc_number, now: now().toISOString() });
        result.moved.push({ isrc, upc: next.upc });
        // Found under its new owner: the album, genre and release artists of that release.
        const row = owned.get(isrc)!;
        const artists = [...new Set([...(JSON.parse(row.artists) as string[]), ...(JSON.parse(row.release_artists) as string[])])];
        indexForSearch(isrc, { title: row.title, artists, album: row.release_title, genre: row.genre });
      }
      return result;
    },
  };
}
