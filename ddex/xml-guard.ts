// The checks that run before any XML parser sees a message, so a hostile message costs one linear
// scan at most: a byte cap, decoding (UTF-8 or UTF-16 by BOM or by the first bytes, strictly), and a
// scan that refuses DOCTYPE/ENTITY declarations outright (no DTD is read, so no entity can expand
// or be fetched: billion laughs and XXE both die here) and counts nesting depth and elements.

import type { DdexProblem } from './types.ts';

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 40;
export const DEFAULT_MAX_ELEMENTS = 2_000_000;

function problem(code: DdexProblem['code'], message: string, path = '/'): DdexProblem {
  return { code, severity: 'error', path, message };
}

/** For a caller that can see the size before reading (a file's stat): refuse without reading it. */
export function sizeProblem(byteLength: number, maxBytes = DEFAULT_MAX_BYTES): DdexProblem | null {
  if (byteLength <= maxBytes) return null;
  return problem('TOO_LARGE', `the message is ${byteLength} bytes, over the ${maxBytes}-byte limit`);
}

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

function sniffEncoding(bytes: Uint8Array): { encoding: Encoding; bomLength: number } {
  const [a, b, c, d] = bytes;
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (a === 0xff && b === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  // No BOM: XML 1.0 appendix F, `<?` written in UTF-16.
  if (a === 0x3c && b === 0x00 && c === 0x3f && d === 0x00) return { encoding: 'utf-16le', bomLength: 0 };
  if (a === 0x00 && b === 0x3c && c === 0x00 && d === 0x3f) return { encoding: 'utf-16be', bomLength: 0 };
  return { encoding: 'utf-8', bomLength: 0 };
}

const DECLARED_ENCODING = /^<\?xml[^?]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;

/** Bytes (or an already decoded string) → the message text, or a problem. */
export function decodeMessage(input: Uint8Array | string, maxBytes = DEFAULT_MAX_BYTES): { text: string } | { problem: DdexProblem } {
  if (typeof input === 'string') {
    // A JS string's UTF-16 length bounds its UTF-8 size from below; good enough for a cap.
    const tooLarge = sizeProblem(input.length, maxBytes);
    return tooLarge ? { problem: tooLarge } : { text: input.replace(/^\uFEFF/, '') };
  }
  const tooLarge = sizeProblem(input.byteLength, maxBytes);
  if (tooLarge) return { problem: tooLarge };
  const { encoding, bomLength } = sniffEncoding(input);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(input.subarray(bomLength));
  } catch {
    return { problem: problem('ENCODING', `the bytes are not valid ${encoding.toUpperCase()}`) };
  }
  const declared = DECLARED_ENCODING.exec(text)?.[1]?.toLowerCase();
  if (declared !== undefined) {
    const family = declared.startsWith('utf-16') ? 'utf-16' : declared;
    const actual = encoding === 'utf-8' ? 'utf-8' : 'utf-16';
    if (family !== 'utf-8' && family !== 'utf-16' && family !== 'us-ascii') {
      return { problem: problem('ENCODING', `encoding "${declared}" is not supported: send UTF-8 or UTF-16`) };
    }
    if ((family === 'utf-16') !== (actual === 'utf-16')) {
      return { problem: problem('ENCODING', `the declaration says ${declared.toUpperCase()} but the bytes are ${actual.toUpperCase()}`) };
    }
  }
  return { text };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

export interface ScanLimits {
  maxDepth: number;
  maxElements: number;
}

/**
 * One pass over the markup: refuses declarations (`<!DOCTYPE`, `<!ENTITY`, any `<!` that is not a
 * comment or CDATA), nesting deeper than `maxDepth` and more than `maxElements` elements. Stops at
 * the first refusal: the rest of a hostile message is never looked at.
 */
export function scanMarkup(text: string, { maxDepth, maxElements }: ScanLimits): DdexProblem | null {
  let depth = 0;
  let elements = 0;
  let i = 0;
  const unclosed = (what: string, at: number) => problem('MALFORMED', `${what} opened on line ${lineOf(text, at)} is never closed`);
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt === -1) return null;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end === -1) return unclosed('a comment', lt);
        i = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) return unclosed('a CDATA section', lt);
        i = end + 3;
      } else {
        const what = /^<!([A-Z]+)/.exec(text.slice(lt, lt + 12))?.[1] ?? 'declaration';
        return problem(
          'DOCTYPE',
          `a <!${what}> declaration on line ${lineOf(text, lt)} is refused: DDEX messages need no DTD, and no entity is ever expanded or fetched`,
        );
      }
    } else if (next === 0x3f /* ? */) {
      const end = text.indexOf('?>', lt + 2);
      if (end === -1) return unclosed('a processing instruction', lt);
      i = end + 2;
    } else if (next === 0x2f /* / */) {
      const end = text.indexOf('>', lt + 2);
      if (end === -1) return unclosed('an end tag', lt);
      depth -= 1;
      i = end + 1;
    } else {
      // A start tag: find its `>` outside quoted attribute values.
      let j = lt + 1;
      let quote = 0;
      for (; j < text.length; j += 1) {
        const c = text.charCodeAt(j);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 0x22 || c === 0x27) quote = c;
        else if (c === 0x3e /* > */) break;
      }
      if (j >= text.length) return unclosed('a start tag', lt);
      elements += 1;
      if (elements > maxElements) return problem('TOO_LARGE', `more than ${maxElements} elements`);
      if (text.charCodeAt(j - 1) !== 0x2f /* self-closing */) {
        depth += 1;
        if (depth > maxDepth) {
          return problem('TOO_DEEP', `elements are nested more than ${maxDepth} deep (line ${lineOf(text, lt)}); ERN needs far fewer`);
        }
      }
      i = j + 1;
    }
  }
}
