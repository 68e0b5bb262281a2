// Identifies a master by its bytes, not its name, before ffmpeg is allowed near it: only WAV, FLAC
// and AIFF pass, and their chunk headers must fit inside the file (a cut-off WAV or AIFF is
// refused here). Everything else gets a reason that says what the file looks like instead.

import { open } from 'node:fs/promises';
import type { MasterFormat } from './types.ts';

export type SniffResult =
  | {
      ok: true;
      format: MasterFormat;
      /** The PCM data chunk was checked to lie wholly inside the file (RIFF WAV, AIFF). */
      completeData: boolean;
    }
  | { ok: false; reason: string };

const HEAD_BYTES = 64;

function looksLike(head: Buffer): string {
  const ascii = head.toString('latin1');
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) return 'an MPEG audio (MP3/AAC) stream, which is lossy';
  if (ascii.startsWith('ID3')) return 'an MP3 file with an ID3 tag, which is lossy';
  if (ascii.slice(4, 8) === 'ftyp') return 'an MP4/QuickTime file';
  if (ascii.startsWith('OggS')) return 'an Ogg file';
  if (ascii.startsWith('\x1aE\xdf\xa3')) return 'a Matroska/WebM file';
  if (/^(ffconcat|#EXTM3U|#EXTINF|file\s)/.test(ascii)) return 'a playlist or concat script, which is never followed';
  if (/^[\t\n\r\x20-\x7e]*$/.test(ascii)) return 'a text file';
  return 'unrecognised binary data';
}

/** Syncsafe size of an ID3v2 tag, so a FLAC file with a leading tag is still recognised. */
function id3Length(head: Buffer): number {
  if (head.toString('latin1', 0, 3) !== 'ID3' || head.length < 10) return 0;
  const size = ((head[6]! & 0x7f) << 21) | ((head[7]! & 0x7f) << 14) | ((head[8]! & 0x7f) << 7) | (head[9]! & 0x7f);
  return 10 + size + (head[5]! & 0x10 ? 10 : 0);
}

export async function sniffMaster(path: string): Promise<SniffResult> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) return { ok: false, reason: 'the file is empty' };
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, HEAD_BYTES, 0);
    const bytes = head.subarray(0, bytesRead);
    const read = async (position: number, length: number): Promise<Buffer> => {
      const out = Buffer.alloc(length);
      const result = await file.read(out, 0, length, position);
      return out.subarray(0, result.bytesRead);
    };

    const tag = id3Length(bytes);
    if ((await read(tag, 4)).toString('latin1') === 'fLaC') return { ok: true, format: 'flac', completeData: false };

    const riff = bytes.toString('latin1', 0, 4);
    const form = bytes.toString('latin1', 8, 12);
    if ((riff === 'RIFF' || riff === 'RF64') && form === 'WAVE') {
      return await checkChunks({ read, size, start: 12, littleEndian: true, dataChunk: 'data', format: 'wav', sized: riff === 'RIFF' });
    }
    if (riff === 'FORM' && (form === 'AIFF' || form === 'AIFC')) {
      return await checkChunks({ read, size, start: 12, littleEndian: false, dataChunk: 'SSND', format: 'aiff', sized: true });
    }
    return { ok: false, reason: `the file is not a WAV, FLAC or AIFF master; it looks like ${looksLike(bytes)}` };
  } finally {
    await file.close();
  }
}

/** Walks RIFF/IFF chunks to the audio data chunk and checks that it fits in the file. */
async function checkChunks(options: {
  read: (position: number, length: number) => Promise<Buffer>;
  size: number;
  start: number;
  littleEndian: boolean;
  dataChunk: string;
  format: MasterFormat;
  /** False for RF64, whose real sizes live in a ds64 chunk. */
  sized: boolean;
}): Promise<SniffResult> {
  const { read, size, littleEndian, dataChunk, format, sized } = options;
  const name = format.toUpperCase();
  for (let position = options.start; position + 8 <= size; ) {
    const header = await read(position, 8);
    const id = header.toString('latin1', 0, 4);
    const length = littleEndian ? header.readUInt32LE(4) : header.readUInt32BE(4);
    if (id === dataChunk) {
      if (sized && position + 8 + length > size) {
        return {
          ok: false,
          reason: `the ${name} file is truncated: its ${id} chunk declares ${length} bytes but only ${size - position - 8} follow`,
        };
      }
      return { ok: true, format, completeData: sized };
    }
    position += 8 + length + (length % 2); // chunks are padded to even sizes
  }
  return { ok: false, reason: `the ${name} file has no ${dataChunk} chunk (no audio data)` };
}
