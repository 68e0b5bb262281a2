import { describe, expect, it } from 'vitest';
import { MediaError } from '../errors/cadence-error.ts';
import { BodyReader, childBoxes, findBox, fullBox, iterateBoxes, readBoxHeader, requireBox } from './box-reader.ts';

function box(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(body.length + 8);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function largeBox(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(1);
  header.write(type, 4, 'latin1');
  header.writeBigUInt64BE(BigInt(body.length + 16), 8);
  return Buffer.concat([header, body]);
}

describe('iterateBoxes', () => {
  it('lists top-level boxes with their offsets, sizes and bodies', () => {
    const file = Buffer.concat([box('ftyp', Buffer.from('iso6')), box('free'), box('mdat', Buffer.alloc(10, 7))]);
    const boxes = [...iterateBoxes(file)];
    expect(boxes.map(({ type, offset, size, headerSize }) => ({ type, offset, size, headerSize }))).toEqual([
      { type: 'ftyp', offset: 0, size: 12, headerSize: 8 },
      { type: 'free', offset: 12, size: 8, headerSize: 8 },
      { type: 'mdat', offset: 20, size: 18, headerSize: 8 },
    ]);
    expect(boxes[2]!.body).toEqual(Buffer.alloc(10, 7));
  });

  it('reads 64-bit sizes', () => {
    const file = Buffer.concat([largeBox('mdat', Buffer.alloc(5)), box('free')]);
    const [mdat, free] = [...iterateBoxes(file)];
    expect(mdat).toMatchObject({ type: 'mdat', size: 21, headerSize: 16 });
    expect(mdat!.body.length).toBe(5);
    expect(free).toMatchObject({ type: 'free', offset: 21 });
  });

  it('treats size 0 as running to the end', () => {
    const file = Buffer.concat([box('ftyp'), Buffer.from([0, 0, 0, 0]), Buffer.from('mdat'), Buffer.alloc(30)]);
    const [, mdat] = [...iterateBoxes(file)];
    expect(mdat).toMatchObject({ type: 'mdat', offset: 8, size: 38 });
  });

  it('rejects a box that runs past the end of the buffer (a truncated file)', () => {
    const whole = Buffer.concat([box('moov', Buffer.alloc(40)), box('mdat', Buffer.alloc(100))]);
    const cut = whole.subarray(0, whole.length - 1);
    expect(() => [...iterateBoxes(cut)]).toThrow(MediaError);
    expect(() => [...iterateBoxes(cut)]).toThrow(/mdat at 48 overruns/);
  });

  it('rejects trailing bytes too short for a box header', () => {
    const file = Buffer.concat([box('free'), Buffer.from([0, 0, 0])]);
    expect(() => [...iterateBoxes(file)]).toThrow(/truncated box header at 8/);
  });

  it('rejects a size smaller than the header', () => {
    const file = Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x76]);
    expect(() => [...iterateBoxes(file)]).toThrow(MediaError);
    expect(() => [...iterateBoxes(file)]).toThrow(/invalid size 4/);
  });

  it('rejects a child box that overruns its parent', () => {
    const child = box('trak', Buffer.alloc(20));
    child.writeUInt32BE(100, 0);
    expect(() => childBoxes([...iterateBoxes(box('moov', child))][0]!)).toThrow(/overruns its parent/);
  });
});

describe('readBoxHeader', () => {
  it('returns null when fewer than 8 bytes remain', () => {
    expect(readBoxHeader(Buffer.alloc(7), 0)).toBeNull();
  });

  it('refuses 64-bit sizes beyond 2^53', () => {
    const header = Buffer.alloc(16);
    header.writeUInt32BE(1);
    header.write('mdat', 4, 'latin1');
    header.writeBigUInt64BE(1n << 60n, 8);
    expect(() => readBoxHeader(header, 0)).toThrow(/too large/);
  });
});

describe('findBox, requireBox and fullBox', () => {
  const mdhd = box('mdhd', Buffer.from([1, 0, 0, 3]), Buffer.alloc(4, 9));
  const moov = [...iterateBoxes(box('moov', box('mvhd'), box('trak', box('tkhd'), box('mdia', mdhd))))][0]!;

  it('follows a path of box types', () => {
    const found = findBox(moov, 'trak', 'mdia', 'mdhd');
    expect(found?.type).toBe('mdhd');
    expect(findBox(moov, 'trak', 'edts', 'elst')).toBeUndefined();
  });

  it('names the missing path', () => {
    expect(() => requireBox(moov, 'trak', 'edts', 'elst')).toThrow(/missing moov\/trak\/edts\/elst box/);
  });

  it('reads FullBox version and flags', () => {
    const { version, flags, reader } = fullBox(requireBox(moov, 'trak', 'mdia', 'mdhd'));
    expect(version).toBe(1);
    expect(flags).toBe(3);
    expect(reader.u32()).toBe(0x09090909);
  });
});

describe('BodyReader', () => {
  it('reads big-endian fields in order', () => {
    const reader = new BodyReader(Buffer.from([1, 0, 2, 0, 0, 3, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe]));
    expect([reader.u8(), reader.u16(), reader.u24(), reader.u32(), reader.i32()]).toEqual([1, 2, 3, 4, -2]);
    expect(reader.remaining).toBe(0);
  });

  it('throws a MediaError instead of reading past the body', () => {
    const reader = new BodyReader(Buffer.alloc(6));
    reader.skip(4);
    expect(() => reader.u32()).toThrow(MediaError);
    expect(() => reader.u32()).toThrow(/ends early/);
  });

  it('refuses 64-bit values that a JavaScript number cannot hold', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(1n << 54n);
    expect(() => new BodyReader(bytes).u64()).toThrow(MediaError);
    bytes.writeBigUInt64BE(1n << 40n);
    expect(new BodyReader(bytes).u64()).toBe(2 ** 40);
  });
});
