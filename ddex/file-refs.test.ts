import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { filesToVerify, NODE_HASH_NAME } from './file-refs.ts';
import { readErnMessage } from './read-ern.ts';
import type { ReleaseDeliveryModel } from './types.ts';

describe('filesToVerify', () => {
  it('lists every master and the cover with the promised hash and its element path', () => {
    const result = readErnMessage(ernMessage(sampleRelease({ family: '3.8.2', tracks: 2 })));
    const files = filesToVerify((result as { model: ReleaseDeliveryModel }).model);
    expect(files.map((f) => [f.role, f.isrc, f.file.path])).toEqual([
      ['master', 'GBCAD2600001', 'resources/001.flac'],
      ['master', 'GBCAD2600002', 'resources/002.flac'],
      ['cover', null, 'resources/cover.jpg'],
    ]);
    expect(files[2]!.file.location).toBe('/NewReleaseMessage/ResourceList/Image/ImageDetailsByTerritory/TechnicalImageDetails/File');
  });

  it('names each algorithm as node:crypto knows it', () => {
    for (const [algorithm, name] of Object.entries(NODE_HASH_NAME)) {
      const length = { MD5: 32, 'SHA-1': 40, 'SHA-224': 56, 'SHA-256': 64, 'SHA-384': 96, 'SHA-512': 128 }[algorithm];
      expect(createHash(name).update('x').digest('hex')).toHaveLength(length!);
    }
  });
});
