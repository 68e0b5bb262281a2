// Checks a release's cover image by its bytes before anything is stored: a real JPEG or PNG (the
// magic number, and the format sharp reads from the header agree), large enough to serve at
// 640×640, not absurdly large on disk or in pixels (a tiny PNG can claim 100 000 × 100 000), and
// decodable to the end (a truncated file passes a header check but breaks every resize later).

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';

export const COVER_MIN_SIDE = 640;
export const COVER_MAX_BYTES = 50 * 1024 * 1024;
/** No real cover needs more; a decompression bomb does. */
export const COVER_MAX_SIDE = 12_000;

export type CoverFormat = 'jpeg' | 'png';

export interface CoverImage {
  format: CoverFormat;
  /** File extension used in storage keys. */
  extension: 'jpg' | 'png';
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  bytes: number;
  /** Hex SHA-256 of the bytes: the cover's storage key and ETag derive from it. */
  sha256: string;
}

export type CoverProblemCode = 'COVER_NOT_IMAGE' | 'COVER_TOO_SMALL' | 'COVER_TOO_LARGE' | 'COVER_UNDECODABLE';

export interface CoverProblem {
  code: CoverProblemCode;
  message: string;
}

export type CoverCheck = { ok: true; image: CoverImage; warnings: string[] } | { ok: false; problems: CoverProblem[] };

export interface CoverCheckOptions {
  minSide?: number;
  maxBytes?: number;
}

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function formatByMagic(bytes: Uint8Array): CoverFormat | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8));
  if (head.subarray(0, 3).equals(JPEG_MAGIC)) return 'jpeg';
  if (head.equals(PNG_MAGIC)) return 'png';
  return null;
}

function describeStart(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
  if (/^\s*</.test(text)) return 'it starts like markup (HTML, SVG or XML)';
  if (text.startsWith('GIF8')) return 'it is a GIF';
  if (text.startsWith('RIFF') && text.slice(8, 12) === 'WEBP') return 'it is a WebP';
  if (bytes.byteLength === 0) return 'it is empty';
  return `it starts with bytes ${Buffer.from(bytes.subarray(0, 4)).toString('hex')}`;
}

export async function checkCoverImage(bytes: Uint8Array, { minSide = COVER_MIN_SIDE, maxBytes = COVER_MAX_BYTES }: CoverCheckOptions = {}): Promise<CoverCheck> {
  if (bytes.byteLength > maxBytes) {
    return { ok: false, problems: [{ code: 'COVER_TOO_LARGE', message: `the cover is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit` }] };
  }
  const format = formatByMagic(bytes);
  if (!format) {
    return { ok: false, problems: [{ code: 'COVER_NOT_IMAGE', message: `the cover is not a JPEG or PNG: ${describeStart(bytes)}` }] };
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    return { ok: false, problems: [{ code: 'COVER_UNDECODABLE', message: `the ${format.toUpperCase()} header cannot be read: ${(error as Error).message}` }] };
  }
  if (metadata.format !== format) {
    return { ok: false, problems: [{ code: 'COVER_NOT_IMAGE', message: `the cover starts like a ${format.toUpperCase()} but reads as ${metadata.format ?? 'nothing known'}` }] };
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  const problems: CoverProblem[] = [];
  if (width < minSide || height < minSide) {
    problems.push({ code: 'COVER_TOO_SMALL', message: `the cover is ${width}×${height}; it must be at least ${minSide}×${minSide}` });
  }
  if (width > COVER_MAX_SIDE || height > COVER_MAX_SIDE) {
    problems.push({ code: 'COVER_TOO_LARGE', message: `the cover is ${width}×${height}; no side may exceed ${COVER_MAX_SIDE} pixels` });
  }
  if (problems.length > 0) return { ok: false, problems };
  try {
    // Decodes every scanline (JPEG shrink-on-load keeps it cheap); truncation is an error.
    await sharp(bytes, { failOn: 'truncated', limitInputPixels: COVER_MAX_SIDE * COVER_MAX_SIDE }).resize(64, 64).raw().toBuffer();
  } catch (error) {
    return { ok: false, problems: [{ code: 'COVER_UNDECODABLE', message: `the ${format.toUpperCase()} does not decode: ${(error as Error).message}` }] };
  }
  const warnings = width === height ? [] : [`the cover is ${width}×${height}, not square: served sizes are cropped to the centre square`];
  return {
    ok: true,
    warnings,
    image: {
      format,
      extension: format === 'jpeg' ? 'jpg' : 'png',
      contentType: format === 'jpeg' ? 'image/jpeg' : 'image/png',
      width,
      height,
      bytes: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    },
  };
}

/** Reads a cover file, refusing an oversized one by its size before reading it. */
export async function checkCoverFile(path: string, options: CoverCheckOptions = {}): Promise<CoverCheck & { bytes?: Buffer }> {
  const maxBytes = options.maxBytes ?? COVER_MAX_BYTES;
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { ok: false, problems: [{ code: 'COVER_TOO_LARGE', message: `the cover is ${size} bytes, over the ${maxBytes}-byte limit` }] };
    const bytes = await handle.readFile();
    const check = await checkCoverImage(bytes, options);
    return check.ok ? { ...check, bytes } : check;
  } finally {
    await handle.close();
  }
}
