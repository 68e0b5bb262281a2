import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffMaster, type SniffResult } from './sniff.ts';

let folder: string;
let counter = 0;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'cadence-sniff-'));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function sniffBytes(bytes: Buffer, name = `file-${counter++}.bin`): Promise<SniffResult> {
  const path = join(folder, name);
  await writeFile(path, bytes);
  return sniffMaster(path);
}

function reasonOf(result: SniffResult): string {
  if (result.ok) throw new Error(`expected a refusal, got ${result.format}`);
  return result.reason;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

function le32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}
function be32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}
function riffChunk(id: string, body: Buffer, declared = body.length): Buffer {
  return Buffer.concat([ascii(id), le32(declared), body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
function iffChunk(id: string, body: Buffer, declared = body.length): Buffer {
  return Buffer.concat([ascii(id), be32(declared), body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** fmt chunk body for 16-bit stereo PCM at 44.1 kHz. */
function pcmFormat(): Buffer {
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(2, 2); // channels
  fmt.writeUInt32LE(44100, 4);
  fmt.writeUInt32LE(44100 * 4, 8);
  fmt.writeUInt16LE(4, 12);
  fmt.writeUInt16LE(16, 14);
  return fmt;
}

function wav(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([ascii('WAVE'), ...chunks]);
  return Buffer.concat([ascii('RIFF'), le32(body.length), body]);
}

function aiff(form: 'AIFF' | 'AIFC', chunks: Buffer[]): Buffer {
  const body = Buffer.concat([ascii(form), ...chunks]);
  return Buffer.concat([ascii('FORM'), be32(body.length), body]);
}

/** COMM for 2 channels, 16-bit, 44.1 kHz (80-bit extended rate). */
function comm(form: 'AIFF' | 'AIFC'): Buffer {
  const base = Buffer.concat([
    Buffer.from([0x00, 0x02]), be32(100), Buffer.from([0x00, 0x10]),
    Buffer.from([0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]),
  ]);
  const compression = Buffer.concat([ascii('NONE'), Buffer.from([14]), ascii('not compressed'), Buffer.alloc(1)]);
  return iffChunk('COMM', form === 'AIFC' ? Buffer.concat([base, compression]) : base);
}

function ssnd(samples: number, declared?: number): Buffer {
  const body = Buffer.concat([Buffer.alloc(8), Buffer.alloc(samples * 4)]);
  return iffChunk('SSND', body, declared ?? body.length);
}

/** fLaC marker and a STREAMINFO block (44.1 kHz stereo 16-bit). */
function flacStream(): Buffer {
  const info = Buffer.alloc(34);
  info.writeUInt16BE(4096, 0);
  info.writeUInt16BE(4096, 2);
  info.writeUInt32BE((44100 << 12) | (1 << 9) | (15 << 4), 10);
  return Buffer.concat([ascii('fLaC'), Buffer.from([0x80, 0, 0, 34]), info, Buffer.alloc(64, 0x5a)]);
}

/** An ID3v2.3 tag with a body of `size` bytes (syncsafe length). */
function id3Tag(size: number): Buffer {
  const header = Buffer.from([
    0x49, 0x44, 0x33, 0x03, 0x00, 0x00,
    (size >> 21) & 0x7f, (size >> 14) & 0x7f, (size >> 7) & 0x7f, size & 0x7f,
  ]);
  const body = Buffer.alloc(size);
  ascii('TIT2').copy(body, 0);
  return Buffer.concat([header, body]);
}

/** An MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz) followed by some frame bytes. */
function mp3Frames(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(413, 0x11)]);
}

describe('sniffMaster accepts lossless masters by their bytes', () => {
  it('accepts a minimal PCM WAV', async () => {
    const file = wav([riffChunk('fmt ', pcmFormat()), riffChunk('data', Buffer.alloc(400))]);
    expect(await sniffBytes(file)).toEqual({ ok: true, format: 'wav', completeData: true });
  });

  it('walks past other chunks, including odd-sized padded ones, to the data chunk', async () => {
    const file = wav([
      riffChunk('fmt ', pcmFormat()),
      riffChunk('LIST', ascii('INFOISFT\x05\x00\x00\x00Lavf')), // 17 bytes + pad byte
      riffChunk('data', Buffer.alloc(400)),
    ]);
    expect(await sniffBytes(file)).toEqual({ ok: true, format: 'wav', completeData: true });
  });

  it('accepts an RF64 WAV whose 32-bit sizes are placeholders', async () => {
    const ds64 = Buffer.alloc(28);
    ds64.writeBigUInt64LE(400n + 60n, 0); // RIFF size
    ds64.writeBigUInt64LE(400n, 8); // data size
    ds64.writeBigUInt64LE(100n, 16); // sample count
    const body = Buffer.concat([
      ascii('WAVE'),
      riffChunk('ds64', ds64),
      riffChunk('fmt ', pcmFormat()),
      ascii('data'), le32(0xffffffff), Buffer.alloc(400),
    ]);
    const file = Buffer.concat([ascii('RF64'), le32(0xffffffff), body]);
    expect(await sniffBytes(file)).toEqual({ ok: true, format: 'wav', completeData: false });
  });

  it('accepts AIFF with an SSND chunk', async () => {
    expect(await sniffBytes(aiff('AIFF', [comm('AIFF'), ssnd(100)]))).toEqual({ ok: true, format: 'aiff', completeData: true });
  });

  it('accepts AIFF-C with an SSND chunk after FVER and COMM', async () => {
    const fver = iffChunk('FVER', be32(0xa2805140));
    expect(await sniffBytes(aiff('AIFC', [fver, comm('AIFC'), ssnd(100)]))).toEqual({ ok: true, format: 'aiff', completeData: true });
  });

  it('accepts FLAC', async () => {
    expect(await sniffBytes(flacStream())).toEqual({ ok: true, format: 'flac', completeData: false });
  });

  it('accepts FLAC behind an ID3v2 tag longer than the first bytes it reads', async () => {
    expect(await sniffBytes(Buffer.concat([id3Tag(300), flacStream()]))).toEqual({ ok: true, format: 'flac', completeData: false });
  });

  it('goes by content, not by the file name', async () => {
    expect(await sniffBytes(flacStream(), 'mislabelled.wav')).toEqual({ ok: true, format: 'flac', completeData: false });
    const file = wav([riffChunk('fmt ', pcmFormat()), riffChunk('data', Buffer.alloc(40))]);
    expect(await sniffBytes(file, 'mislabelled.flac')).toEqual({ ok: true, format: 'wav', completeData: true });
  });
});

describe('sniffMaster refuses damaged masters with a specific reason', () => {
  it('refuses a WAV whose data chunk declares more bytes than the file holds', async () => {
    const file = wav([riffChunk('fmt ', pcmFormat()), riffChunk('data', Buffer.alloc(100), 1000)]);
    const reason = reasonOf(await sniffBytes(file));
    expect(reason).toMatch(/truncated/);
    expect(reason).toMatch(/WAV/);
    expect(reason).toMatch(/\bdata chunk\b/);
    expect(reason).toContain('declares 1000 bytes but only 100 follow');
  });

  it('refuses a WAV without a data chunk', async () => {
    const reason = reasonOf(await sniffBytes(wav([riffChunk('fmt ', pcmFormat())])));
    expect(reason).toMatch(/WAV file has no data chunk/);
  });

  it('refuses an AIFF whose SSND chunk is cut off, naming SSND', async () => {
    const whole = aiff('AIFF', [comm('AIFF'), ssnd(100)]);
    const reason = reasonOf(await sniffBytes(whole.subarray(0, whole.length - 50)));
    expect(reason).toMatch(/AIFF file is truncated/);
    expect(reason).toMatch(/\bSSND chunk\b/);
  });

  it('refuses an AIFF without an SSND chunk', async () => {
    expect(reasonOf(await sniffBytes(aiff('AIFF', [comm('AIFF')])))).toMatch(/AIFF file has no SSND chunk/);
  });

  it('refuses an empty file', async () => {
    expect(reasonOf(await sniffBytes(Buffer.alloc(0)))).toBe('the file is empty');
  });
});

describe('sniffMaster says what a refused file looks like instead', () => {
  it.each([
    ['an MP3 frame sync', () => mp3Frames(), /MPEG audio.*lossy/],
    ['an ID3 tag followed by MP3 frames', () => Buffer.concat([id3Tag(200), mp3Frames()]), /MP3 file with an ID3 tag, which is lossy/],
    ['an MP4 (ftyp)', () => Buffer.concat([be32(24), ascii('ftypM4A '), be32(0), ascii('M4A isom'), Buffer.alloc(64)]), /MP4\/QuickTime/],
    ['an Ogg stream', () => Buffer.concat([ascii('OggS'), Buffer.alloc(60, 1)]), /Ogg/],
    ['a Matroska file', () => Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(60, 0x80)]), /Matroska/],
    ['an ffconcat script', () => ascii("ffconcat version 1.0\nfile '/etc/passwd'\n"), /playlist or concat script, which is never followed/],
    ['an HLS playlist', () => ascii('#EXTM3U\n#EXTINF:10,\nhttp://example.com/a.wav\n'), /playlist or concat script/],
    ['a text file', () => ascii('Liner notes: recorded live, 2026.\n'), /a text file/],
  ])('refuses %s', async (_name, make, pattern) => {
    const reason = reasonOf(await sniffBytes(make()));
    expect(reason).toMatch(/^the file is not a WAV, FLAC or AIFF master; it looks like /);
    expect(reason).toMatch(pattern);
  });

  it('refuses random bytes without naming a format they are not', async () => {
    let seed = 7;
    const bytes = Buffer.alloc(256);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      bytes[i] = seed >> 16 & 0xff;
    }
    bytes[0] = 0x03; // make sure it does not start like an MPEG frame sync
    const reason = reasonOf(await sniffBytes(bytes));
    expect(reason).toMatch(/^the file is not a WAV, FLAC or AIFF master; it looks like /);
    // Random bytes must not be mistaken for any specific format.
    expect(reason).not.toMatch(/MPEG|MP3|MP4|Ogg|Matroska|playlist|text/);
  });

  it('does not take a RIFF file of another kind (AVI) for a WAV', async () => {
    const body = Buffer.concat([ascii('AVI '), riffChunk('LIST', Buffer.alloc(40, 0x90))]);
    const result = await sniffBytes(Buffer.concat([ascii('RIFF'), le32(body.length), body]));
    expect(result.ok).toBe(false);
  });
});
