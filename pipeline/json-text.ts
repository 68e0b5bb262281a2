// JSON text from outside (a label's delivery): checked in one linear pass before JSON.parse, so a
// syntax error is reported with its line and column whatever the Node version's message says
// (Node 20's "Unexpected end of JSON input" and "Unexpected token 'a', "…" is not valid JSON"
// carry no position), and nesting is bounded before any recursive code walks the value.

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; line: number; column: number; message: string };

export interface ParseJsonTextOptions {
  /** Deepest nesting of arrays and objects accepted. */
  maxDepth?: number;
}

export const DEFAULT_MAX_JSON_DEPTH = 64;

type Expect = 'value' | 'valueOrClose' | 'key' | 'keyOrClose' | 'colon' | 'commaOrClose' | 'end';

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'];

export function parseJsonText(text: string, { maxDepth = DEFAULT_MAX_JSON_DEPTH }: ParseJsonTextOptions = {}): JsonTextResult {
  // A byte-order mark is what some editors put first; it is not an error worth refusing.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const offset = body.length - text.length; // 0 or -1, to report positions in the original text
  const problem = scan(body, maxDepth);
  if (problem) return { ok: false, ...position(text, problem.at - offset), message: problem.message };
  return { ok: true, value: JSON.parse(body) };
}

/** The first syntax error, or null when `text` is one JSON value nested at most `maxDepth` deep. */
function scan(text: string, maxDepth: number): { at: number; message: string } | null {
  const stack: number[] = []; // char codes of the open brackets
  let expect: Expect = 'value';
  let i = 0;
  const n = text.length;
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'commaOrClose');
  for (;;) {
    while (i < n && isWhitespace(text.charCodeAt(i))) i++;
    if (i >= n) {
      if (expect === 'end') return null;
      if (stack.length === 0) return { at: n, message: 'the file holds no JSON value' };
      return { at: n, message: `the file ends too early: ${stack.length === 1 ? 'an object or array is' : `${stack.length} objects or arrays are`} still open` };
    }
    const ch = text[i]!;
    switch (expect) {
      case 'end':
        return { at: i, message: `unexpected ${describe(text, i)} after the end of the JSON value` };
      case 'colon':
        if (ch !== ':') return { at: i, message: `expected ':' after a property name, found ${describe(text, i)}` };
        i++;
        expect = 'value';
        continue;
      case 'keyOrClose':
      case 'key': {
        if (ch === '}' && expect === 'keyOrClose') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (ch !== '"') return { at: i, message: `expected a double-quoted property name, found ${describe(text, i)}` };
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        expect = 'colon';
        continue;
      }
      case 'commaOrClose': {
        const close = stack.at(-1) === 0x7b ? '}' : ']';
        if (ch === ',') {
          i++;
          expect = close === '}' ? 'key' : 'value';
          continue;
        }
        if (ch === close) {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        return { at: i, message: `expected ',' or '${close}', found ${describe(text, i)}` };
      }
      case 'valueOrClose':
      case 'value': {
        if (ch === ']' && expect === 'valueOrClose') {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (ch === '{' || ch === '[') {
          if (stack.length >= maxDepth) return { at: i, message: `arrays and objects are nested deeper than ${maxDepth} levels` };
          stack.push(ch.charCodeAt(0));
          i++;
          expect = ch === '{' ? 'keyOrClose' : 'valueOrClose';
          continue;
        }
        if (ch === '"') {
          const end = scanString(text, i);
          if (typeof end !== 'number') return end;
          i = end;
          expect = afterValue();
          continue;
        }
        NUMBER.lastIndex = i;
        if (NUMBER.test(text)) {
          i = NUMBER.lastIndex;
          expect = afterValue();
          continue;
        }
        const literal = LITERALS.find((word) => text.startsWith(word, i));
        if (literal) {
          i += literal.length;
          expect = afterValue();
          continue;
        }
        return { at: i, message: `expected a value, found ${describe(text, i)}` };
      }
    }
  }
}

/** Index just past the string starting at `start` (a `"`), or the problem inside it. */
function scanString(text: string, start: number): number | { at: number; message: string } {
  const n = text.length;
  let i = start + 1;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next !== undefined && '"\\/bfnrt'.includes(next)) i += 2;
      else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else return { at: i, message: 'invalid escape in a string (JSON knows \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)' };
      continue;
    }
    if (code < 0x20) return { at: i, message: 'a control character (such as a line break) inside a string; write it as \\n, \\t …' };
    i++;
  }
  return { at: start, message: 'a string that is never closed' };
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function describe(text: string, at: number): string {
  const ch = text.codePointAt(at)!;
  if (ch < 0x20 || ch === 0x7f) return `control character U+${ch.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCodePoint(ch)}'`;
}

/** 1-based line and column (in characters) of `at`. */
function position(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: at - lineStart + 1 };
}
