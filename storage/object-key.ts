// Object keys are validated the same way by every driver, so a key that works on the local folder
// also works on S3 and cannot escape the store root on disk.

import { CadenceError } from '../errors/cadence-error.ts';

/** First key segment the filesystem driver keeps its bookkeeping under; refused everywhere. */
export const RESERVED_SEGMENT = '.cadence';

/** S3's limit, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/** Common filesystem limit for one path component, in bytes. */
const MAX_SEGMENT_BYTES = 255;

function segmentProblem(segment: string, index: number): string | null {
  if (segment === '') return 'has an empty segment (leading, trailing or doubled "/")';
  if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  if (index === 0 && segment === RESERVED_SEGMENT) return `starts with the reserved "${RESERVED_SEGMENT}/"`;
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return `has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
  return null;
}

function characterProblem(value: string): string | null {
  if (value.includes('\\')) return 'contains a backslash';
  if (value.includes('\0')) return 'contains a NUL character';
  if (value.startsWith('/')) return 'is absolute (starts with "/")';
  // Lone surrogates cannot round-trip through UTF-8 file names or S3 keys.
  if (/\p{Cs}/u.test(value)) return 'is not valid Unicode';
  return null;
}

/** Throws CadenceError BAD_INPUT unless `key` is a relative, normalised, `/`-separated key. */
export function assertValidKey(key: string): void {
  let problem: string | null = null;
  if (typeof key !== 'string' || key === '') problem = 'is empty';
  else if (Buffer.byteLength(key) > MAX_KEY_BYTES) problem = `is longer than ${MAX_KEY_BYTES} bytes`;
  else problem = characterProblem(key) ?? firstSegmentProblem(key.split('/'));
  if (problem) throw new CadenceError('BAD_INPUT', `invalid object key ${JSON.stringify(key)}: it ${problem}`);
}

/**
 * A list prefix is a key cut anywhere: '' (everything), 'tracks/' or 'tracks/GB'. Every complete
 * segment must be valid; the last, partial one is only matched as text.
 */
export function assertValidPrefix(prefix: string): void {
  let problem: string | null = null;
  if (typeof prefix !== 'string') problem = 'is not a string';
  else if (prefix !== '') {
    const complete = prefix.split('/').slice(0, -1);
    problem = characterProblem(prefix) ?? firstSegmentProblem(complete);
  }
  if (problem) throw new CadenceError('BAD_INPUT', `invalid list prefix ${JSON.stringify(prefix)}: it ${problem}`);
}

function firstSegmentProblem(segments: string[]): string | null {
  for (const [index, segment] of segments.entries()) {
    const problem = segmentProblem(segment, index);
    if (problem) return problem;
  }
  return null;
}

/** S3 lists keys in UTF-8 byte order; JavaScript's `<` compares UTF-16 units, which differs. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
