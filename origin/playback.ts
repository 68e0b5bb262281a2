// The pieces of a playback grant, as pure functions (who may play what: listeners/rights-decision.ts).

import { DASH_MANIFEST, MULTIVARIANT_PLAYLIST } from '../storage/layout.ts';
import { SEGMENTS_DIR } from './media-path.ts';
import type { PlaybackGrant } from './types.ts';

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
