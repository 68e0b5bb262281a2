// Turns a parsed media path into something servable: a manifest generated from the stored
// description, a whole rendition file, or a byte range of it (init segment, media segment).
// Media bytes come from storage by ranged read, through the in-memory cache when small enough.
// A resolved object depends only on its (immutable) version, so callers keep them.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { writeMpd } from '../manifests/dash-writer.ts';
import { writeMediaPlaylist, writeMultivariantPlaylist } from '../manifests/hls-writer.ts';
import type { MediaDescription, Rendition } from '../manifests/types.ts';
import type { ObjectStore } from '../storage/types.ts';
import type { ByteCache } from './byte-cache.ts';
import type { MediaTarget } from './media-path.ts';
import type { ByteRange, HeldBytes, ServableObject } from './object-response.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** One stored version: everything a resolved object depends on, so resolutions can be kept. */
export interface MediaSource {
  store: ObjectStore;
  cache: ByteCache;
  /** Key prefix of the version, e.g. `tracks/ISRC/VERSION/`. */
  prefix: string;
  version: string;
  description: MediaDescription;
}

/** A servable object of a version, the same for every request. */
export interface MediaObject extends ServableObject {
  /** Manifests are compressible and short-lived; media is immutable. */
  manifest: boolean;
  /** Depends on the token's remaining time: shared caches (the CDN) must not keep an object past its URL's expiry. */
  cacheControl(tokenSecondsLeft: number, manifestMaxAgeSeconds: number): string;
}

const MANIFEST_TYPES = { hls: 'application/vnd.apple.mpegurl', dash: 'application/dash+xml' } as const;

function strongEtag(...parts: Array<string | number>): string {
  return `"${parts.join('.')}"`;
}

/**
 * Writes, hashes and gzips a manifest once (the caller keeps the result), then serves it from
 * memory: every player start asks for two or three of them.
 */
function manifest(write: () => string, contentType: string): MediaObject {
  const bytes = Buffer.from(write(), 'utf8');
  const slice = ({ start, end }: ByteRange): Uint8Array => bytes.subarray(start, end + 1);
  return {
    gzipped: gzipSync(bytes),
    manifest: true,
    size: bytes.length,
    etag: strongEtag(createHash('sha256').update(bytes).digest('base64url').slice(0, 22)),
    contentType,
    // Never cached past the token: an edge copy outliving it would keep serving an expired URL.
    cacheControl: (secondsLeft, maxAge) => `public, max-age=${Math.min(maxAge, secondsLeft)}`,
    read: async (range) => slice(range),
    readCached: slice,
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
function fileSpan(source: MediaSource, rendition: Rendition, span: { offset: number; size: number }, etag: string): MediaObject {
  const key = `${source.prefix}${rendition.file}`;
  const { cache, store } = source;
  // Kept once made: a string used again keeps its hash, so a cache hit costs no string work.
  const blockKeys: string[] = [];
  const blockKey = (block: number): string => (blockKeys[block] ??= `${key}#${block}`);
  const loadBlock = (block: number): Promise<{ value: Uint8Array; hit: boolean }> => {
    const blockStart = block * BLOCK_BYTES;
    const blockEnd = Math.min(rendition.fileSize, blockStart + BLOCK_BYTES) - 1;
    return cache.getOrLoad(blockKey(block), () => store.getBytes(key, { start: blockStart, end: blockEnd }));
  };
  return {
    manifest: false,
    size: span.size,
    etag,
    contentType: 'audio/mp4',
    // Browsers keep media for a year; shared caches only until the token expires (s-maxage).
    cacheControl: (secondsLeft) => `${IMMUTABLE}, s-maxage=${secondsLeft}`,
    // A range inside one cached block (the common case for segments and players' ranges), or
    // across two cached blocks (a 64 KiB range at a random offset, one time in sixteen).
    readCached: ({ start, end }) => {
      const { from, to, first, last } = blockSpan(span.offset + start, span.offset + end);
      if (first === last) {
        // The hot path: one lookup, one view.
        const block = cache.getIfPresent(blockKey(first));
        return block?.subarray(from - first * BLOCK_BYTES, to - first * BLOCK_BYTES + 1);
      }
      if (last - first > 1) return undefined;
      const tailKey = blockKey(last);
      // Checked first so that a miss is not counted as a hit on the head block, then a miss.
      if (!cache.has(tailKey)) return undefined;
      const head = cache.getIfPresent(blockKey(first));
      const tail = head && cache.getIfPresent(tailKey);
      return tail && sliceBlocks([head, tail], first, from, to);
    },
    read: async ({ start, end }, onCacheResult) => {
      const { from, to, first, last } = blockSpan(span.offset + start, span.offset + end);
      if (to - from + 1 > STREAM_ABOVE_BYTES) {
        onCacheResult?.(false);
        return Readable.toWeb((await store.get(key, { start: from, end: to })).body) as ReadableStream<Uint8Array>;
      }
      const blocks = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => loadBlock(first + i)));
      onCacheResult?.(blocks.every((block) => block.hit));
      return sliceBlocks(blocks.map((block) => block.value), first, from, to);
    },
  };
}

/** File positions from..to (inclusive) and the first and last blocks they fall in. */
function blockSpan(from: number, to: number): { from: number; to: number; first: number; last: number } {
  return { from, to, first: Math.floor(from / BLOCK_BYTES), last: Math.floor(to / BLOCK_BYTES) };
}

/** Bytes from..to of the file out of consecutive blocks starting at block `first`: views, never copies. */
function sliceBlocks(blocks: Uint8Array[], first: number, from: number, to: number): HeldBytes {
  const parts = blocks.map((value, i) => {
    const blockStart = (first + i) * BLOCK_BYTES;
    return value.subarray(Math.max(0, from - blockStart), Math.min(value.length, to - blockStart + 1));
  });
  return parts.length === 1 ? parts[0]! : parts;
}

/** The object a media path names in one version, or null when the version has no such object. */
export function resolveMedia(source: MediaSource, target: MediaTarget): MediaObject | null {
  const { description, version } = source;
  const renditionOf = (id: string): Rendition | undefined => description.renditions.find((r) => r.id === id);

  switch (target.kind) {
    case 'multivariant':
      return manifest(() => writeMultivariantPlaylist(description, { addressing: target.addressing }), MANIFEST_TYPES.hls);
    case 'mpd':
      return manifest(() => writeMpd(description, { addressing: target.addressing }), MANIFEST_TYPES.dash);
    case 'media-playlist': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return manifest(() => writeMediaPlaylist(rendition, { addressing: target.addressing }), MANIFEST_TYPES.hls);
    }
    case 'file': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return fileSpan(source, rendition, { offset: 0, size: rendition.fileSize }, strongEtag(version, rendition.id));
    }
    case 'init': {
      const rendition = renditionOf(target.rendition);
      if (!rendition) return null;
      return fileSpan(source, rendition, rendition.init, strongEtag(version, rendition.id, 'init'));
    }
    case 'segment': {
      const rendition = renditionOf(target.rendition);
      const segment = rendition?.segments[target.number - 1];
      if (!rendition || !segment) return null;
      return fileSpan(source, rendition, segment, strongEtag(version, rendition.id, target.number));
    }
  }
}
