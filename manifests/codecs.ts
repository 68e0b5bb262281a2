// Sample entries and their RFC 6381 CODECS strings (`mp4a.40.2`, `fLaC`).

import { type Box, BodyReader, iterateBoxes } from './box-reader.ts';
import { MediaError } from '../errors/cadence-error.ts';

export interface SampleEntryInfo {
  format: 'mp4a' | 'fLaC';
  codecs: string;
  channels: number;
  sampleRate: number;
  /** Decoded bits per sample for lossless codecs; null for AAC. */
  bitDepth: number | null;
  /** The whole sample entry box, copied verbatim into init segments we write. */
  raw: Buffer;
}

// AudioSampleEntry: 6 reserved + 2 data_reference_index + 8 reserved, channelcount, samplesize,
// 4 reserved, samplerate (16.16). Child boxes start after those 28 bytes.
const AUDIO_SAMPLE_ENTRY_HEADER = 28;

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

export function describeSampleEntry(entry: Box): SampleEntryInfo {
  const raw = Buffer.from(entry.body.buffer, entry.body.byteOffset - entry.headerSize, entry.size);
  const children = [...iterateBoxes(entry.body, AUDIO_SAMPLE_ENTRY_HEADER)];
  const child = (type: string): Box => {
    const found = children.find((box) => box.type === type);
    if (!found) throw new MediaError(`${entry.type} sample entry has no ${type} box`);
    return found;
  };
  if (entry.type === 'mp4a') return { format: 'mp4a', raw, ...describeEsds(child('esds')) };
  if (entry.type === 'fLaC') return { format: 'fLaC', raw, ...describeDfLa(child('dfLa')) };
  throw new MediaError(`unsupported sample entry ${JSON.stringify(entry.type)}`);
}

/** Reads an MPEG-4 descriptor header: tag and variable-length size. */
function descriptor(reader: BodyReader): { tag: number; size: number } {
  const tag = reader.u8();
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const byte = reader.u8();
    size = (size << 7) | (byte & 0x7f);
    if ((byte & 0x80) === 0) break;
  }
  return { tag, size };
}

function describeEsds(esds: Box): Omit<SampleEntryInfo, 'format' | 'raw'> {
  const reader = new BodyReader(esds.body, 4); // skip FullBox version/flags
  if (descriptor(reader).tag !== 0x03) throw new MediaError('esds lacks an ES_Descriptor');
  reader.skip(2); // ES_ID
  const flags = reader.u8();
  if (flags & 0x80) reader.skip(2); // dependsOn_ES_ID
  if (flags & 0x40) reader.skip(reader.u8()); // URL
  if (flags & 0x20) reader.skip(2); // OCR_ES_Id
  if (descriptor(reader).tag !== 0x04) throw new MediaError('esds lacks a DecoderConfigDescriptor');
  const objectType = reader.u8();
  reader.skip(12); // streamType, bufferSizeDB, maxBitrate, avgBitrate
  if (descriptor(reader).tag !== 0x05) throw new MediaError('esds lacks a DecoderSpecificInfo');
  // AudioSpecificConfig: 5-bit object type (31 escapes to 6 more bits), 4-bit rate index
  // (15 escapes to a 24-bit rate), 4-bit channel configuration.
  const bits = new BitReader(reader.bytes(Math.min(reader.remaining, 8)));
  let audioObjectType = bits.read(5);
  if (audioObjectType === 31) audioObjectType = 32 + bits.read(6);
  const rateIndex = bits.read(4);
  const sampleRate = rateIndex === 15 ? bits.read(24) : AAC_SAMPLE_RATES[rateIndex];
  const channels = bits.read(4);
  if (sampleRate === undefined) throw new MediaError(`invalid AAC sampling frequency index ${rateIndex}`);
  return {
    codecs: `mp4a.${objectType.toString(16)}.${audioObjectType}`,
    channels,
    sampleRate,
    bitDepth: null,
  };
}

function describeDfLa(dfLa: Box): Omit<SampleEntryInfo, 'format' | 'raw'> {
  const reader = new BodyReader(dfLa.body, 4);
  const blockHeader = reader.u8();
  reader.skip(3); // block length
  if ((blockHeader & 0x7f) !== 0) throw new MediaError('dfLa does not start with STREAMINFO');
  reader.skip(10); // block sizes and frame sizes
  const bits = new BitReader(reader.bytes(8));
  const sampleRate = bits.read(20);
  const channels = bits.read(3) + 1;
  const bitDepth = bits.read(5) + 1;
  return { codecs: 'fLaC', channels, sampleRate, bitDepth };
}

class BitReader {
  private position = 0;
  constructor(private readonly bytes: Buffer) {}

  read(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++, this.position++) {
      const byte = this.bytes[this.position >> 3];
      if (byte === undefined) throw new MediaError('bit field runs past the end of its box');
      value = value * 2 + ((byte >> (7 - (this.position & 7))) & 1);
    }
    return value;
  }
}
