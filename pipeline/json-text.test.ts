import { describe, expect, it } from 'vitest';
import { parseJsonText } from './json-text.ts';

describe('parseJsonText', () => {
  it('parses what JSON.parse parses, to the same value', () => {
    const samples = ['{"a":[1,-2.5e3,true,false,null,{}],"b":"\\u00e9\\n\\"x\\""}', ' [ ] ', '"text"', '0', '{"__proto__":{"x":1}}', '{\n\t"a" : { "b" : [ [ 1 ] ] }\r\n}'];
    for (const text of samples) expect(parseJsonText(text), text).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it('accepts a leading byte-order mark', () => {
    expect(parseJsonText('\uFEFF{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });

  // Node 20's JSON.parse says "Unexpected end of JSON input" or "Unexpected token 'a', "…" is not
  // valid JSON" for these, with no position at all.
  it.each([
    ['{ "label": "x", ', 1, 17, /ends too early/],
    ['{\n  "label": "x",\n  "release": tru\n}', 3, 14, /expected a value, found 't'/],
    ['{\n  "tracks": [1, 2,]\n}', 2, 19, /expected a value, found '\]'/],
    ['abc', 1, 1, /expected a value, found 'a'/],
    ['{"a": 1 "b": 2}', 1, 9, /expected ',' or '\}'/],
    ['{"a": 1}}', 1, 9, /after the end of the JSON value/],
    ['{"a": "line\nbreak"}', 1, 12, /control character/],
    ['{"a": "\\x"}', 1, 8, /invalid escape/],
    ['{"a": "never closed}', 1, 7, /never closed/],
    ['', 1, 1, /no JSON value/],
  ])('names line and column: %j', (text, line, column, message) => {
    const result = parseJsonText(text);
    expect(result).toMatchObject({ ok: false, line, column });
    expect(result.ok === false && result.message).toMatch(message);
  });

  it('refuses deep nesting before anything recursive walks it', () => {
    const deep = `${'['.repeat(10240)}${']'.repeat(10240)}`;
    expect(parseJsonText(deep, { maxDepth: 32 })).toMatchObject({ ok: false, line: 1, column: 33, message: 'arrays and objects are nested deeper than 32 levels' });
    expect(parseJsonText(`${'['.repeat(32)}${']'.repeat(32)}`, { maxDepth: 32 }).ok).toBe(true);
    const unclosed = '['.repeat(10240);
    expect(parseJsonText(unclosed, { maxDepth: 32 })).toMatchObject({ ok: false, column: 33 });
  });
});
