// Who may play what: the rules behind `GET /v1/tracks/{isrc}/playback`, as pure functions.

import type { TrackView } from '../catalog/types.ts';
import { DASH_MANIFEST, MULTIVARIANT_PLAYLIST } from '../storage/layout.ts';
import { SEGMENTS_DIR } from './media-path.ts';
import type { PlaybackGrant } from './types.ts';

export type PlaybackRefusal = { status: 403 | 404 | 451; error: string; message: string; details?: Record<string, string> };

/**
 * 404 unknown or unpublished track; 403 before the release date (UTC); 451 when the listener's
 * country is not among the release's territories (an unknown country only passes worldwide rights).
 */
export function refusePlayback(track: TrackView | null, context: { isrc: string; country: string | null; today: string }): PlaybackRefusal | null {
  if (!track?.current) return { status: 404, error: 'not_found', message: `no published track ${context.isrc}` };
  const { release } = track;
  if (release.releaseDate > context.today) {
    return { status: 403, error: 'not_yet_released', message: `released on ${release.releaseDate}`, details: { releaseDate: release.releaseDate } };
  }
  const worldwide = release.territories.includes('WW');
  if (!worldwide && !(context.country && release.territories.includes(context.country))) {
    return {
      status: 451,
      error: 'territory_not_licensed',
      message: context.country ? `not licensed in ${context.country}` : 'listener country unknown and the release is not licensed worldwide',
      details: { country: context.country ?? 'unknown' },
    };
  }
  return null;
}

/** Two-letter country from a CDN header value such as `GB`; anything else counts as unknown. */
export function normaliseCountry(value: string | undefined | null): string | null {
  const code = value?.trim().toUpperCase();
  return code && /^[A-Z]{2}$/.test(code) ? code : null;
}

export function mediaBase(publicUrl: string | null, token: string, isrc: string, version: string): string {
  return `${publicUrl?.replace(/\/+$/, '') ?? ''}/media/${token}/${isrc}/${version}/`;
}

export function grantUrls(base: string, expiresAt: Date): PlaybackGrant {
  return {
    hls: `${base}${MULTIVARIANT_PLAYLIST}`,
    dash: `${base}${DASH_MANIFEST}`,
    expiresAt: expiresAt.toISOString(),
    segments: { hls: `${base}${SEGMENTS_DIR}/${MULTIVARIANT_PLAYLIST}`, dash: `${base}${SEGMENTS_DIR}/${DASH_MANIFEST}` },
  };
}
