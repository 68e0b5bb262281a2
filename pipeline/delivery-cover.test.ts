import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCover } from '../fixtures/cover-images.ts';
import { deliveryJson } from '../fixtures/deliveries.ts';
import { checkDelivery } from './delivery-checks.ts';
import { checkDeliveryCover } from './delivery-cover.ts';
import { tinyWav } from '../fixtures/ddex-releases.ts';
import { loadDelivery } from './delivery.ts';
import { parseJsonDelivery } from './json-delivery.ts';
import { resolveToolPaths } from './tool-paths.ts';

const { ffprobePath } = resolveToolPaths({});

// The cover is checked like a master: a path inside the delivery folder, then its bytes. Any
// problem names `release.cover` and the path as delivered, never the folder on this machine.

let scratch: string;
let folder: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cadence-delivery-cover-'));
  folder = join(scratch, 'release');
  await mkdir(join(folder, 'art'), { recursive: true });
});
afterEach(() => rm(scratch, { recursive: true, force: true }));

const check = (cover: string | null) => checkDeliveryCover({ folder, release: { cover } as never });
const wavHeader = () => {
  const wav = Buffer.alloc(44);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  return wav;
};

describe('checkDeliveryCover', () => {
  it('accepts a real JPEG and gives its hash, format and real path', async () => {
    const bytes = await makeCover({ width: 800, height: 800 });
    await writeFile(join(folder, 'art/front.jpg'), bytes);
    const { cover, problems, warnings } = await check('art/front.jpg');
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(cover).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), extension: 'jpg', contentType: 'image/jpeg', bytes: bytes.length });
    expect(cover!.path.endsWith('/release/art/front.jpg')).toBe(true);
  });

  it('a PNG is stored as a PNG whatever its name says', async () => {
    await writeFile(join(folder, 'art/front.jpg'), await makeCover({ width: 640, height: 640, format: 'png' }));
    expect((await check('art/front.jpg')).cover).toMatchObject({ extension: 'png', contentType: 'image/png' });
  });

  it('no cover, no problem', async () => {
    expect(await check(null)).toEqual({ cover: null, problems: [], warnings: [] });
  });

  it.each([
    [800, 640],
    [640, 960],
  ])('accepts a %i×%i cover with a COVER_NOT_SQUARE warning: served sizes are its centre square', async (width, height) => {
    const bytes = await makeCover({ width, height });
    await writeFile(join(folder, 'art/front.jpg'), bytes);
    const { cover, problems, warnings } = await check('art/front.jpg');
    expect(problems).toEqual([]);
    expect(cover).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), extension: 'jpg' });
    expect(warnings).toEqual([
      { where: 'release.cover', code: 'COVER_NOT_SQUARE', message: `art/front.jpg: the cover is ${width}×${height}, not square: served sizes are cropped to the centre square` },
    ]);
  });

  it('a cover too small and not square is refused, not warned about', async () => {
    await writeFile(join(folder, 'art/front.jpg'), await makeCover({ width: 800, height: 600 }));
    const { cover, problems, warnings } = await check('art/front.jpg');
    expect(cover).toBeNull();
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^art\/front\.jpg: COVER_TOO_SMALL: /)]);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['text renamed .jpg', async () => Buffer.from('this is not an image\n'), 'COVER_NOT_IMAGE'],
    ['a WAV renamed .jpg', async () => wavHeader(), 'COVER_NOT_IMAGE'],
    ['a cover of 600×600', () => makeCover({ width: 600, height: 600 }), 'COVER_TOO_SMALL'],
    ['a truncated JPEG', async () => (await makeCover({ width: 800, height: 800 })).subarray(0, 2000), 'COVER_UNDECODABLE'],
  ])('refuses %s, naming the field and the file', async (_, make, code) => {
    await writeFile(join(folder, 'art/front.jpg'), await make());
    const { cover, problems } = await check('art/front.jpg');
    expect(cover).toBeNull();
    expect(problems).toEqual([{ where: 'release.cover', message: expect.stringMatching(new RegExp(`^art/front\\.jpg: ${code}: `)) }]);
  });

  it('refuses a file over 50 MB by its size (a sparse file, never read)', async () => {
    await writeFile(join(folder, 'art/front.jpg'), '');
    await truncate(join(folder, 'art/front.jpg'), 51 * 1024 * 1024);
    expect((await check('art/front.jpg')).problems).toEqual([{ where: 'release.cover', message: `art/front.jpg: COVER_TOO_LARGE: the cover is ${51 * 1024 * 1024} bytes, over the ${50 * 1024 * 1024}-byte limit` }]);
  });

  it('refuses paths that leave the delivery folder, do not exist, or are not files', async () => {
    await writeFile(join(scratch, 'outside.jpg'), await makeCover({ width: 800, height: 800 }));
    await symlink(join(scratch, 'outside.jpg'), join(folder, 'art/link.jpg'));
    const messages = async (path: string) => (await check(path)).problems.map((p) => p.message);
    expect(await messages('../outside.jpg')).toEqual(['"../outside.jpg" must not contain ".." segments']);
    expect(await messages('/etc/passwd')).toEqual(['"/etc/passwd" must be relative to the delivery file, not absolute']);
    expect(await messages('https://example.com/c.jpg')).toEqual(['"https://example.com/c.jpg" must be a file path, not a URL']);
    expect(await messages('art/link.jpg')).toEqual(['art/link.jpg leads outside the delivery folder']);
    expect(await messages('art/missing.jpg')).toEqual(['art/missing.jpg: the file does not exist']);
    expect(await messages('art')).toEqual(['art: not a file']);
  });
});

describe('a JSON delivery with a cover', () => {
  it('reads `release.cover` and reports its problem with every other one, at once', async () => {
    const json = { ...deliveryJson({ tracks: 1 }) };
    json.release = { ...json.release, upc: '012345678901', cover: 'art/front.jpg' };
    await writeFile(join(folder, 'art/front.jpg'), 'GIF89a not really');
    const file = join(folder, 'delivery.json');
    await writeFile(file, JSON.stringify(json));
    const { draft, problems } = await parseJsonDelivery(file);
    expect(problems).toEqual([]);
    expect(draft!.release.cover).toBe('art/front.jpg');
    const checked = await checkDelivery(draft!, { ffprobePath: '/nonexistent/ffprobe' });
    expect(checked.problems).toEqual([
      { where: 'release.upc', message: '012345678901 has a wrong check digit' },
      { where: 'release.cover', message: 'art/front.jpg: COVER_NOT_IMAGE: the cover is not a JPEG or PNG: it is a GIF' },
      { where: 'tracks[0] (GBCAD2600001).master', message: 'masters/01.wav: the file does not exist' },
    ]);
    expect(checked.cover).toBeNull();
  });

  it('loads a delivery whose cover is not square, carrying the warning for the summary', async () => {
    const json = deliveryJson({ tracks: 1 });
    json.release = { ...json.release, cover: 'art/front.jpg' } as typeof json.release;
    await writeFile(join(folder, 'art/front.jpg'), await makeCover({ width: 1000, height: 800 }));
    await mkdir(join(folder, 'masters'));
    await writeFile(join(folder, json.tracks[0]!.master), tinyWav(0.5, 1));
    const file = join(folder, 'delivery.json');
    await writeFile(file, JSON.stringify(json));
    const delivery = await loadDelivery(file, { ffprobePath });
    expect(delivery.cover).not.toBeNull();
    expect(delivery.warnings).toEqual([{ where: 'release.cover', code: 'COVER_NOT_SQUARE', message: 'art/front.jpg: the cover is 1000×800, not square: served sizes are cropped to the centre square' }]);
  });

  it('the schema refuses a cover that is not a path string', async () => {
    const json = deliveryJson({ tracks: 1 }) as unknown as { release: Record<string, unknown> };
    json.release.cover = { url: 'x' };
    const file = join(folder, 'delivery.json');
    await writeFile(file, JSON.stringify(json));
    const { draft, problems } = await parseJsonDelivery(file);
    expect(problems).toEqual([{ where: 'release.cover', message: 'must be string' }]);
    expect(draft!.release.cover).toBeNull();
  });
});
