// The closed set of paths under a signed version prefix. Anything not listed is a 404, so no
// path can reach outside the one version the token was issued for.
//
//   master.m3u8 | manifest.mpd | <rendition>.m3u8 | <rendition>.mp4          (byte-range addressing)
//   s/master.m3u8 | s/manifest.mpd | s/<rendition>/index.m3u8
//   s/<rendition>/init.mp4 | s/<rendition>/<n>.m4s                          (segment addressing)

import type { Addressing, RenditionId } from '../manifests/types.ts';

export const SEGMENTS_DIR = 's';

/** A request target (`/path?query`) without its query, as sent: no decoding, no `..` resolution. */
export function pathOfTarget(target: string): string {
  const query = target.indexOf('?');
  return query < 0 ? target : target.slice(0, query);
}

export type MediaTarget =
  | { kind: 'multivariant'; addressing: Addressing }
  | { kind: 'mpd'; addressing: Addressing }
  | { kind: 'media-playlist'; addressing: Addressing; rendition: RenditionId }
  | { kind: 'file'; rendition: RenditionId }
  | { kind: 'init'; rendition: RenditionId }
  /** 1-based, as in the playlists. */
  | { kind: 'segment'; rendition: RenditionId; number: number };

const RENDITION = '(aac-96|aac-160|aac-320|flac)';
const PATTERNS: Array<[RegExp, (match: RegExpExecArray) => MediaTarget]> = [
  [/^master\.m3u8$/, () => ({ kind: 'multivariant', addressing: 'byterange' })],
  [/^manifest\.mpd$/, () => ({ kind: 'mpd', addressing: 'byterange' })],
  [new RegExp(`^${RENDITION}\\.m3u8$`), (m) => ({ kind: 'media-playlist', addressing: 'byterange', rendition: m[1] as RenditionId })],
  [new RegExp(`^${RENDITION}\\.mp4$`), (m) => ({ kind: 'file', rendition: m[1] as RenditionId })],
  [/^s\/master\.m3u8$/, () => ({ kind: 'multivariant', addressing: 'segments' })],
  [/^s\/manifest\.mpd$/, () => ({ kind: 'mpd', addressing: 'segments' })],
  [new RegExp(`^s/${RENDITION}/index\\.m3u8$`), (m) => ({ kind: 'media-playlist', addressing: 'segments', rendition: m[1] as RenditionId })],
  [new RegExp(`^s/${RENDITION}/init\\.mp4$`), (m) => ({ kind: 'init', rendition: m[1] as RenditionId })],
  [new RegExp(`^s/${RENDITION}/([1-9][0-9]{0,5})\\.m4s$`), (m) => ({ kind: 'segment', rendition: m[1] as RenditionId, number: Number(m[2]) })],
];

export function parseMediaPath(path: string): MediaTarget | null {
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return build(match);
  }
  return null;
}

/** Raw request paths with encoded or relative segments are refused before any routing. */
export function isSuspiciousPath(rawPath: string): boolean {
  return /%2e|%2f|%5c|%00|\\|\/\/|\/\.\.?(\/|$)/i.test(rawPath);
}
