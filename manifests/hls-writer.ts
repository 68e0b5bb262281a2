// HLS writers: a pure function of the media description, so the same description always yields
// byte-identical playlists (the origin can cache or regenerate them freely).

import type { Addressing, MediaDescription, Rendition, RenditionId } from './types.ts';

export interface HlsWriterOptions {
  addressing?: Addressing;
}

/** URI of a rendition's media playlist, relative to the multivariant playlist. */
export function mediaPlaylistUri(id: RenditionId, addressing: Addressing): string {
  return addressing === 'segments' ? `${id}/index.m3u8` : `${id}.m3u8`;
}

/** URI of segment `index` (0-based) relative to its media playlist in segments addressing. */
export function segmentUri(index: number): string {
  return `${index + 1}.m4s`;
}

/** Init segment URI relative to the media playlist in segments addressing. */
export const INIT_SEGMENT_URI = 'init.mp4';

export function writeMultivariantPlaylist(
  description: MediaDescription,
  { addressing = 'byterange' }: HlsWriterOptions = {},
): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const rendition of description.renditions) {
    const attributes = [
      `BANDWIDTH=${bitrateAttribute(rendition.peakBitrate)}`,
      `AVERAGE-BANDWIDTH=${bitrateAttribute(rendition.averageBitrate)}`,
      `CODECS="${quotedString(rendition.codecs)}"`,
    ];
    lines.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`);
    lines.push(mediaPlaylistUri(rendition.id, addressing));
  }
  return lines.map((line) => `${line}\n`).join('');
}

export function writeMediaPlaylist(
  rendition: Rendition,
  { addressing = 'byterange' }: HlsWriterOptions = {},
): string {
  const durations = rendition.segments.map((segment) =>
    formatSeconds(segment.duration / rendition.timescale),
  );
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${targetDuration(durations)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  if (addressing === 'segments') {
    lines.push(`#EXT-X-MAP:URI="${INIT_SEGMENT_URI}"`);
  } else {
    const file = quotedString(rendition.file);
    lines.push(`#EXT-X-MAP:URI="${file}",BYTERANGE="${byteRange(rendition.init)}"`);
  }
  rendition.segments.forEach((segment, index) => {
    lines.push(`#EXTINF:${durations[index]},`);
    if (addressing === 'segments') {
      lines.push(segmentUri(index));
    } else {
      lines.push(`#EXT-X-BYTERANGE:${byteRange(segment)}`);
      lines.push(uriLine(rendition.file));
    }
  });
  lines.push('#EXT-X-ENDLIST');
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer must be <= the target duration.
 * Rounds the printed values, so what a client reads is what we checked; at least 1.
 */
export function targetDuration(extinfValues: readonly string[]): number {
  return Math.max(1, ...extinfValues.map((value) => Math.round(Number(value))));
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`invalid segment duration: ${seconds} s`);
  }
  return seconds.toFixed(6);
}

// Measured bitrates are fractional; rounding up keeps BANDWIDTH >= the real peak.
function bitrateAttribute(bitsPerSecond: number): number {
  if (!Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) {
    throw new RangeError(`invalid bitrate: ${bitsPerSecond}`);
  }
  return Math.ceil(bitsPerSecond);
}

function byteRange({ offset, size }: { offset: number; size: number }): string {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size <= 0) {
    throw new RangeError(`invalid byte range: ${size}@${offset}`);
  }
  return `${size}@${offset}`;
}

// Quoted-string attributes cannot carry quotes or line breaks (RFC 8216 §4.2).
function quotedString(value: string): string {
  if (/["\r\n]/.test(value)) throw new RangeError(`cannot quote ${JSON.stringify(value)} in HLS`);
  return value;
}

// A URI line starting with '#' would read as a tag, and a line break would split it.
function uriLine(value: string): string {
  if (value === '' || value.startsWith('#') || /[\r\n]/.test(value)) {
    throw new RangeError(`invalid playlist URI ${JSON.stringify(value)}`);
  }
  return value;
}
