import { describe, expect, it } from 'vitest';

import { CadenceError } from '../errors/cadence-error.ts';
import { assertValidKey, assertValidPrefix, compareKeys } from './object-key.ts';

describe('assertValidKey', () => {
  it.each(['a', 'tracks/GBAYE2600001/v1/aac-160.mp4', 'with space/ü/😀', '.hidden/x', 'a/.cadence', '...'])(
    'accepts %j',
    (key) => expect(() => assertValidKey(key)).not.toThrow(),
  );

  it.each([
    ['', /empty/],
    ['/a', /absolute/],
    ['a/../b', /"\.\." segment/],
    ['a/./b', /"\." segment/],
    ['a\\b', /backslash/],
    ['a\0b', /NUL/],
    ['a//b', /empty segment/],
    ['a/', /empty segment/],
    ['.cadence/tmp/x', /reserved/],
    ['\ud800x', /Unicode/],
    ['x'.repeat(1025), /longer than 1024/],
    [`${'x'.repeat(256)}/y`, /segment longer/],
  ])('refuses %j', (key, reason) => {
    let caught: unknown;
    try {
      assertValidKey(key);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CadenceError);
    expect((caught as CadenceError).code).toBe('BAD_INPUT');
    expect((caught as CadenceError).message).toMatch(reason);
  });
});

describe('assertValidPrefix', () => {
  it('accepts prefixes cut anywhere, refuses climbing ones', () => {
    for (const prefix of ['', 'tracks/', 'tracks/GB', 'a/..x', 'a/.']) expect(() => assertValidPrefix(prefix)).not.toThrow();
    for (const prefix of ['../', '/a', 'a//', 'a/../b', '.cadence/']) expect(() => assertValidPrefix(prefix)).toThrow(CadenceError);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes like S3, not by UTF-16 units', () => {
    // U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80) in UTF-8 but after it in UTF-16.
    expect(['😀', '～'].sort(compareKeys)).toEqual(['～', '😀']);
    expect(['a/b', 'a-c', 'a0'].sort(compareKeys)).toEqual(['a-c', 'a/b', 'a0']);
  });
});
