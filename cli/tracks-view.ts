// How `cadence tracks` and `cadence track` print what is published: a table of tracks, and one
// track's versions, releases, availability and jobs. Pure: catalog records and a clock in, text out.

import type { TrackAvailability, TrackDetails, TrackListing } from '../catalog/types.ts';
import type { TakedownBy, TrackRights } from '../listeners/rights-model.ts';

/** Longest title or artist list shown in the table before it is cut with an ellipsis. */
const CELL_MAX = 32;

/** One phrase for where a track stands with listeners right now (the rights decision's order). */
export function availabilityLabel(availability: TrackAvailability | null, now: Date): string {
  if (availability === null) return 'no rights recorded';
  const { rights, takedown } = availability;
  if (takedown) return `taken down ${takedown.at} ${takedownByLabel(takedown)}`;
  if (now.getTime() < Date.parse(rights.startsAt)) return `from ${rights.startsAt}`;
  if (rights.endsAt !== null && now.getTime() >= Date.parse(rights.endsAt)) return `ended ${rights.endsAt}`;
  if (rights.tiers !== null && rights.tiers.length === 0) return 'no streaming tier';
  return rights.endsAt === null ? 'available' : `available until ${rights.endsAt}`;
}

/** Who made a takedown: `by an operator` or `by DDEX message ID` (only those a later message may lift). */
export function takedownByLabel(takedown: TakedownBy): string {
  return takedown.source === 'ddex' ? `by DDEX message ${takedown.messageId}` : 'by an operator';
}

/** `WW except FR · 2026-11-01T00:00:00.000Z → open-ended · tiers premium, hifi`. */
export function rightsLine(rights: TrackRights): string {
  const where = rights.excludedTerritories.length > 0 ? `${rights.territories.join(', ')} except ${rights.excludedTerritories.join(', ')}` : rights.territories.join(', ');
  const tiers = rights.tiers === null ? 'every tier' : rights.tiers.length === 0 ? 'no tier' : `tiers ${rights.tiers.join(', ')}`;
  return `${where} · ${rights.startsAt} → ${rights.endsAt ?? 'open-ended'} · ${tiers}`;
}

function cut(text: string, max = CELL_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].map((text) => `${text}\n`).join('');
}

export function formatTrackTable(listing: TrackListing[], now: Date, release?: string): string {
  if (listing.length === 0) return release === undefined ? 'no tracks in the catalog\n' : `no tracks on release ${release}\n`;
  const rows = listing.map((track) => [
    track.isrc,
    cut(track.title),
    cut(track.artists.join(', ')),
    track.upc,
    `${track.discNumber}-${String(track.trackNumber).padStart(2, '0')}`,
    track.currentVersion ?? '-',
    track.publishedAt ?? '-',
    availabilityLabel(track.availability, now),
    track.lastJob === null ? '-' : `${track.lastJob.state}${track.lastJob.lastError ? `: ${cut(track.lastJob.lastError, 2 * CELL_MAX)}` : ''}`,
  ]);
  const summary = `${listing.length} track${listing.length === 1 ? '' : 's'}${release === undefined ? '' : ` on release ${release}`}\n`;
  return table(['ISRC', 'TITLE', 'ARTISTS', 'RELEASE', 'DISC-TRACK', 'VERSION', 'PUBLISHED', 'AVAILABILITY', 'LAST JOB'], rows) + summary;
}

export function formatTrackDetails(track: TrackDetails, now: Date): string {
  const out: string[] = [`${track.isrc}  ${track.title} — ${track.artists.join(', ')}${track.explicit ? ' (explicit)' : ''}`];
  out.push('', 'versions (newest first; * = current):');
  for (const version of track.versions) {
    out.push(
      `  ${version.current ? '*' : ' '} ${version.version}  published ${version.publishedAt}  ${version.durationSeconds.toFixed(2)} s  ${version.renditions.join(' ')}`,
      `      master sha256 ${version.masterSha256 ?? '(not recorded)'}`,
    );
  }
  if (track.versions.length === 0) out.push('  none');
  out.push('', 'releases (owner first):');
  for (const release of track.releases) {
    out.push(`  ${release.upc}  "${release.title}" (${release.label})  disc ${release.discNumber} track ${release.trackNumber}${release.owner ? '  owner' : ''}`);
  }
  out.push('', `availability: ${availabilityLabel(track.availability, now)}`);
  if (track.availability) {
    if (track.availability.takedown) out.push(`  takedown: ${track.availability.takedown.reason} (at ${track.availability.takedown.at}, ${takedownByLabel(track.availability.takedown)})`);
    out.push(`  rights: ${rightsLine(track.availability.rights)}`);
  }
  out.push('', 'latest jobs (newest first):');
  for (const job of track.jobs) {
    out.push(`  #${job.id} ${job.state}  ${job.startedAt} → ${job.finishedAt ?? '…'}  ${job.delivery}${job.version ? `  version ${job.version}` : ''}`);
    if (job.lastError) out.push(`      error: ${job.lastError}`);
  }
  if (track.jobs.length === 0) out.push('  none recorded in this catalog');
  return `${out.join('\n')}\n`;
}
