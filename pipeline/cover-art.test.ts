import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCover, withPngDimensions } from '../fixtures/cover-images.ts';
import { checkCoverFile, checkCoverImage, COVER_MAX_BYTES } from './cover-art.ts';

describe('checkCoverImage', () => {
  it('accepts a real JPEG and describes it', async () => {
    const bytes = await makeCover({ width: 1000, height: 1000 });
    const check = await checkCoverImage(bytes);
    expect(check).toEqual({
      ok: true,
      warnings: [],
      image: {
        format: 'jpeg',
        extension: 'jpg',
        contentType: 'image/jpeg',
        width: 1000,
        height: 1000,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
    });
  });

  it('accepts a PNG of exactly 640×640', async () => {
    const check = await checkCoverImage(await makeCover({ width: 640, height: 640, format: 'png' }));
    expect(check).toMatchObject({ ok: true, image: { format: 'png', extension: 'png', contentType: 'image/png' } });
  });

  it('refuses a cover smaller than 640 on either side', async () => {
    expect(await checkCoverImage(await makeCover({ width: 639, height: 800 }))).toEqual({
      ok: false,
      problems: [{ code: 'COVER_TOO_SMALL', message: 'the cover is 639×800; it must be at least 640×640' }],
    });
  });

  it('warns about a cover that is not square', async () => {
    const check = await checkCoverImage(await makeCover({ width: 1200, height: 700 }));
    expect(check).toMatchObject({ ok: true, warnings: [expect.stringContaining('not square')] });
  });

  it.each([
    ['HTML', async () => Buffer.from('<!doctype html><html><body>cover</body></html>'), 'markup'],
    ['SVG', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"/>'), 'markup'],
    ['GIF', () => makeCover({ width: 700, height: 700, format: 'gif' }), 'GIF'],
    ['WebP', () => makeCover({ width: 700, height: 700, format: 'webp' }), 'WebP'],
    ['empty', async () => Buffer.alloc(0), 'empty'],
  ])('refuses %s: not a JPEG or PNG', async (_, make, why) => {
    expect(await checkCoverImage(await make())).toEqual({
      ok: false,
      problems: [{ code: 'COVER_NOT_IMAGE', message: expect.stringContaining(why) }],
    });
  });

  it('refuses a truncated JPEG that a header check would pass', async () => {
    const whole = await makeCover({ width: 1000, height: 1000 });
    const check = await checkCoverImage(whole.subarray(0, Math.floor(whole.length / 2)));
    expect(check).toEqual({ ok: false, problems: [{ code: 'COVER_UNDECODABLE', message: expect.stringMatching(/^the JPEG does not decode/) }] });
  });

  it('refuses JPEG magic followed by garbage', async () => {
    const check = await checkCoverImage(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]));
    expect(check).toMatchObject({ ok: false, problems: [{ code: 'COVER_UNDECODABLE' }] });
  });

  it('refuses a PNG header claiming 100 000 × 100 000 pixels without decoding it', async () => {
    const bomb = withPngDimensions(await makeCover({ width: 640, height: 640, format: 'png' }), 100_000, 100_000);
    expect(await checkCoverImage(bomb)).toEqual({
      ok: false,
      problems: [{ code: 'COVER_TOO_LARGE', message: 'the cover is 100000×100000; no side may exceed 12000 pixels' }],
    });
  });

  it('refuses more than 50 MB before looking inside', async () => {
    const big = Buffer.alloc(COVER_MAX_BYTES + 1);
    big.set([0xff, 0xd8, 0xff]);
    expect(await checkCoverImage(big)).toEqual({
      ok: false,
      problems: [{ code: 'COVER_TOO_LARGE', message: `the cover is ${COVER_MAX_BYTES + 1} bytes, over the ${COVER_MAX_BYTES}-byte limit` }],
    });
  });
});

describe('checkCoverFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cadence-cover-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads and checks a file, returning its bytes', async () => {
    const bytes = await makeCover({ width: 800, height: 800 });
    await writeFile(join(dir, 'cover.jpg'), bytes);
    const check = await checkCoverFile(join(dir, 'cover.jpg'));
    expect(check).toMatchObject({ ok: true, image: { width: 800 } });
    expect(check.bytes?.equals(bytes)).toBe(true);
  });

  it('refuses an oversized file by its size (a sparse 60 GB file is never read)', async () => {
    const path = join(dir, 'huge.jpg');
    await writeFile(path, '');
    await truncate(path, 60 * 1024 ** 3);
    expect(await checkCoverFile(path)).toMatchObject({ ok: false, problems: [{ code: 'COVER_TOO_LARGE' }] });
  });
});
