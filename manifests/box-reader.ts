// Minimal ISO BMFF box reading over in-memory buffers. Callers hand in the bytes of the boxes
// they care about (moov, sidx, moof); mdat payloads are never needed here.

import { MediaError } from '../errors/cadence-error.ts';

export interface Box {
  type: string;
  /** Offset of the box header within the buffer that was scanned. */
  offset: number;
  /** Total size including the header. */
  size: number;
  headerSize: number;
  /** The box body (after the header). */
  body: Buffer;
}

/** Where a top-level box sits in a file; `box` is loaded only for the types a reader asked for. */
export interface TopLevelBox {
  type: string;
  offset: number;
  size: number;
  box?: Box;
}

/** Reads the header at `offset`; returns null when fewer than 8 bytes remain. */
export function readBoxHeader(
  buffer: Buffer,
  offset: number,
  fileSize = buffer.length,
): { type: string; size: number; headerSize: number } | null {
  if (offset + 8 > buffer.length) return null;
  let size = buffer.readUInt32BE(offset);
  const type = buffer.toString('latin1', offset + 4, offset + 8);
  let headerSize = 8;
  if (size === 1) {
    if (offset + 16 > buffer.length) return null;
    const large = buffer.readBigUInt64BE(offset + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new MediaError(`box ${type} is too large`);
    size = Number(large);
    headerSize = 16;
  } else if (size === 0) {
    size = fileSize - offset; // box extends to end of file
  }
  if (size < headerSize) throw new MediaError(`box ${JSON.stringify(type)} at ${offset} has invalid size ${size}`);
  return { type, size, headerSize };
}

/** Iterates the boxes laid end to end in `buffer[start, end)`. */
export function* iterateBoxes(buffer: Buffer, start = 0, end = buffer.length): Generator<Box> {
  let offset = start;
  while (offset < end) {
    const header = readBoxHeader(buffer, offset, end);
    if (!header) throw new MediaError(`truncated box header at ${offset}`);
    if (offset + header.size > end) {
      throw new MediaError(`box ${header.type} at ${offset} overruns its parent (${header.size} bytes)`);
    }
    yield {
      type: header.type,
      offset,
      size: header.size,
      headerSize: header.headerSize,
      body: buffer.subarray(offset + header.headerSize, offset + header.size),
    };
    offset += header.size;
  }
}

export function childBoxes(box: Box): Box[] {
  return [...iterateBoxes(box.body)];
}

/** Follows a path of box types, e.g. findBox(moov, 'trak', 'mdia', 'mdhd'). */
export function findBox(box: Box, ...path: string[]): Box | undefined {
  let current: Box | undefined = box;
  for (const type of path) {
    current = current && childBoxes(current).find((child) => child.type === type);
  }
  return current;
}

export function requireBox(box: Box, ...path: string[]): Box {
  const found = findBox(box, ...path);
  if (!found) throw new MediaError(`missing ${[box.type, ...path].join('/')} box`);
  return found;
}

/** Version and flags of a FullBox, and a cursor positioned after them. */
export function fullBox(box: Box): { version: number; flags: number; reader: BodyReader } {
  const reader = new BodyReader(box.body);
  const version = reader.u8();
  const flags = reader.u24();
  return { version, flags, reader };
}

/** A bounds-checked big-endian cursor over a box body. */
export class BodyReader {
  constructor(
    readonly buffer: Buffer,
    public position = 0,
  ) {}

  private take(bytes: number): number {
    if (this.position + bytes > this.buffer.length) {
      throw new MediaError(`box body ends early (wanted ${bytes} bytes at ${this.position} of ${this.buffer.length})`);
    }
    const at = this.position;
    this.position += bytes;
    return at;
  }

  u8(): number {
    return this.buffer.readUInt8(this.take(1));
  }
  u16(): number {
    return this.buffer.readUInt16BE(this.take(2));
  }
  u24(): number {
    const at = this.take(3);
    return (this.buffer.readUInt16BE(at) << 8) | this.buffer.readUInt8(at + 2);
  }
  u32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }
  i32(): number {
    return this.buffer.readInt32BE(this.take(4));
  }
  u64(): number {
    const value = this.buffer.readBigUInt64BE(this.take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MediaError('64-bit field exceeds 2^53');
    return Number(value);
  }
  i64(): number {
    return Number(this.buffer.readBigInt64BE(this.take(8)));
  }
  skip(bytes: number): void {
    this.take(bytes);
  }
  bytes(length: number): Buffer {
    const at = this.take(length);
    return this.buffer.subarray(at, at + length);
  }
  get remaining(): number {
    return this.buffer.length - this.position;
  }
}
