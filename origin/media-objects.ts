// Turns a parsed media path into something servable: a manifest generated from the stored
// description, a whole rendition file, or a byte range of it (init segment, media segment).
// Media bytes come from storage by ranged read, through the in-memory cache when small enough.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { writeMpd } from '../manifests/dash-writer.ts';
import { writeMediaPlaylist, writeMultivariantPlaylist } from '../manifests/hls-writer.ts';
import type { MediaDescription, Rendition } from '../manifests/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { ByteCache } from './byte-cache.ts';
import type { MediaTarget } from './media-path.ts';
import type { ServableObject } from './object-response.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface MediaSource {
  store: ObjectStore;
  cache: ByteCache;
  /** Key prefix of the version, e.g. `tracks/ISRC/VERSION/`. */
  prefix: string;
  version: string;
  description: MediaDescription;
  manifestMaxAgeSeconds: number;
  /** Seconds until the URL's token expires: shared caches (the CDN) must not keep it longer. */
  tokenSecondsLeft: number;
  /** Generated manifests by version and path: a pure function of an immutable description. */
  manifests: Map<string, RenderedManifest>;
  /** Reports whether the last read came from memory. */
  onCacheResult?: (hit: boolean) => void;
}

/** A servable object plus whether it is a manifest (compressible, short TTL). */
export type ResolvedMedia = { object: ServableObject; manifest: boolean } | null;

const MANIFEST_TYPES = { hls: 'application/vnd.apple.mpegurl', dash: 'application/dash+xml' } as const;

function strongEtag(...parts: Array<string | number>): string {
  return `"${parts.join('.')}"`;
}

export interface RenderedManifest {
  bytes: Buffer;
  etag: string;
}

const MAX_CACHED_MANIFESTS = 20_000;

/** Writes (once per version and path) and hashes a manifest, then serves it from memory. */
function manifest(source: MediaSource, key: string, write: () => string, contentType: string, maxAge: number): ServableObject {
  let rendered = source.manifests.get(key);
  if (!rendered) {
    const bytes = Buffer.from(write(), 'utf8');
    rendered = { bytes, etag: strongEtag(createHash('sha256').update(bytes).digest('base64url').slice(0, 22)) };
    if (source.manifests.size >= MAX_CACHED_MANIFESTS) source.manifests.delete(source.manifests.keys().next().value!);
    source.manifests.set(key, rendered);
  }
  const { bytes, etag } = rendered;
  return {
    size: bytes.length,
    etag,
    contentType,
    // Never cached past the token: an edge copy outliving it would keep serving an expired URL.
    cacheControl: `public, max-age=${maxAge}`,
    read: async ({ start, end }) => bytes.subarray(start, end + 1),
  };
}

/**
 * Media bytes are cached in aligned 1 MiB blocks of the rendition file (like the CDN's slices), so
 * byte-range and per-segment requests share them and random ranges still hit. Requests larger
 * than this stream straight from storage.
 */
export const BLOCK_BYTES = 1 << 20;
const STREAM_ABOVE_BYTES = 8 * BLOCK_BYTES;

/** A span of one rendition file (whole, init or one segment), read through the block cache. */
function fileSpan(source: MediaSource, rendition: Rendition, span: { offset: number; size: number }, etag: string): ServableObject {
  const key = `${source.prefix}${rendition.file}`;
  return {
    size: span.size,
    etag,
    contentType: 'audio/mp4',
    // Browsers keep media for a year; shared caches only until the token expires (s-maxage).
    cacheControl: `${IMMUTABLE}, s-maxage=${source.tokenSecondsLeft}`,
    read: async ({ start, end }) => {
      const from = span.offset + start;
      const to = span.offset + end;
      if (to - from + 1 > STREAM_ABOVE_BYTES) {
        source.onCacheResult?.(false);
        return Readable.toWeb((await source.store.get(key, { start: from, end: to })).body) as ReadableStream<Uint8Array>;
      }
      const first = Math.floor(from / BLOCK_BYTES);
      const last = Math.floor(to / BLOCK_BYTES);
      const blocks = await Promise.all(
        Array.from({ length: last - first + 1 }, (_, i) => {
          const block = first + i;
          const blockStart = block * BLOCK_BYTES;
          const blockEnd = Math.min(rendition.fileSize, blockStart + BLOCK_BYTES) - 1;
          return source.cache.getOrLoad(`${key}#${block}`, () => source.store.getBytes(key, { start: blockStart, end: blockEnd }));
        }),
      );
      source.onCacheResult?.(blocks.every((block) => block.hit));
      const parts = blocks.map(({ value }, i) => {
        const blockStart = (first + i) * BLOCK_BYTES;
        return value.subarray(Math.max(0, from - blockStart), Math.min(value.length, to - blockStart + 1));
      });
      return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    },
  };
}

export function resolveMedia(source: MediaSource, target: MediaTarget): ResolvedMedia {
  const { description, version } = source;
  const maxAge = Math.min(source.manifestMaxAgeSeconds, source.tokenSecondsLeft);
  const renditionOf = (id: string): Rendition | undefined => description.renditions.find((r) => r.id === id);

  switch (target.kind) {
    case 'multivariant':
      return { object: manifest(source, `${version}/${target.addressing}/multivariant`, () => writeMultivariantPlaylist(description, { addressing: target.addressing }), MANIFEST_TYPES.hls, maxAge), manifest: true };
    case 'mpd':
      return { object: manifest(source, `${version}/${target.addressing}/mpd`, () => writeMpd(description, { addressing: target.addressing }), MANIFEST_TYPES.dash, maxAge), manifest: true };
    case 'media-playlist': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return { object: manifest(source, `${version}/${target.addressing}/${rendition.id}`, () => writeMediaPlaylist(rendition, { addressing: target.addressing }), MANIFEST_TYPES.hls, maxAge), manifest: true };
    }
    case 'file': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return { object: fileSpan(source, rendition, { offset: 0, size: rendition.fileSize }, strongEtag(version, rendition.id)), manifest: false };
    }
    case 'init': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return { object: fileSpan(source, rendition, rendition.init, strongEtag(version, rendition.id, 'init')), manifest: false };
    }
    case 'segment': {
      const rendition = renditionOf(target.rendition);
      const segment = rendition?.segments[target.number - 1];
      if (!rendition || !segment) return null;
      return { object: fileSpan(source, rendition, segment, strongEtag(version, rendition.id, target.number)), manifest: false };
    }
  }
}
