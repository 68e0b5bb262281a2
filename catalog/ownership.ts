// Who owns a recording: the label of the release that first published its ISRC. Another label's
// delivery of the same ISRC or UPC is refused, and so is a different master that became current
// while a publish was being prepared (no silent last-writer-wins).

import type BetterSqlite3 from 'better-sqlite3';
import type { OwnershipClaim } from './types.ts';

interface OwnerRow {
  upc: string;
  release_title: string;
  label: string;
  current_version: string | null;
}

const TRACK_OWNER = `
SELECT t.upc, r.title AS release_title, l.name AS label, t.current_version
FROM tracks t JOIN releases r ON r.upc = t.upc JOIN labels l ON l.id = r.label_id
WHERE t.isrc = ?`;

export function prepareOwnership(db: BetterSqlite3.Database): (claim: OwnershipClaim) => string | null {
  const trackOwner = db.prepare<[string], OwnerRow>(TRACK_OWNER);
  const releaseLabel = db.prepare<[string], string>(
    'SELECT l.name FROM releases r JOIN labels l ON l.id = r.label_id WHERE r.upc = ?',
  ).pluck();
  const masterOf = db.prepare<[string, string], string | null>(
    'SELECT master_sha256 FROM versions WHERE isrc = ? AND version = ?',
  ).pluck();

  return ({ release, track, version, expectedCurrent }) => {
    const labelOfRelease = releaseLabel.get(release.upc);
    if (labelOfRelease !== undefined && labelOfRelease !== release.label) {
      return `release ${release.upc} belongs to label "${labelOfRelease}", not "${release.label}"`;
    }
    const owner = trackOwner.get(track.isrc);
    if (!owner) return null;
    if (owner.label !== release.label) {
      return `${track.isrc} belongs to label "${owner.label}" (release ${owner.upc} "${owner.release_title}"), not "${release.label}"`;
    }
    const current = owner.current_version;
    if (expectedCurrent === undefined || current === null || current === expectedCurrent || current === version.version) return null;
    const currentMaster = masterOf.get(track.isrc, current) ?? null;
    if (currentMaster !== null && currentMaster === version.masterSha256) return null;
    return `${track.isrc}: another delivery published a different master (version ${current}) while this one was being ingested`;
  };
}
