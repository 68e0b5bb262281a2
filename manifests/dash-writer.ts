// DASH writer: a static MPD from the media description, valid against the ISO/IEC 23009-1
// schema (element order below follows the schema's sequences).

import type { Addressing, ByteRange, CodecFamily, MediaDescription, Rendition, Segment } from './types.ts';

export interface DashWriterOptions {
  addressing?: Addressing;
}

/** One `<S>` element of a SegmentTimeline. */
export interface TimelineEntry {
  /** Start time; only on the first entry (later entries follow on). */
  t?: number;
  d: number;
  /** Extra repeats of `d` (so the entry covers r + 1 segments). */
  r: number;
}

const PROFILES: Record<Addressing, string> = {
  byterange: 'urn:mpeg:dash:profile:isoff-on-demand:2011',
  segments: 'urn:mpeg:dash:profile:isoff-live:2011',
};

// Stable ids so a player's choice of set means the same thing across tracks.
const ADAPTATION_SETS: ReadonlyArray<{ codec: CodecFamily; id: number }> = [
  { codec: 'aac', id: 1 },
  { codec: 'flac', id: 2 },
];

const CHANNEL_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';

export function writeMpd(
  description: MediaDescription,
  { addressing = 'byterange' }: DashWriterOptions = {},
): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<MPD${attributes({
      xmlns: 'urn:mpeg:dash:schema:mpd:2011',
      profiles: PROFILES[addressing],
      type: 'static',
      mediaPresentationDuration: isoDuration(description.duration),
      minBufferTime: isoDuration(minBufferSeconds(description)),
    })}>`,
  );
  out.push(`  <Period${attributes({ id: '0', start: isoDuration(0) })}>`);
  for (const { codec, id } of ADAPTATION_SETS) {
    const renditions = description.renditions.filter((rendition) => rendition.codec === codec);
    if (renditions.length > 0) out.push(...adaptationSet(id, renditions, addressing));
  }
  out.push('  </Period>');
  out.push('</MPD>');
  return out.map((line) => `${line}\n`).join('');
}

function adaptationSet(id: number, renditions: Rendition[], addressing: Addressing): string[] {
  // Attributes shared by every representation go on the set; the rest stay per representation.
  const codecs = shared(renditions.map((r) => r.codecs));
  const channels = shared(renditions.map((r) => r.channels));
  const alignment =
    addressing === 'byterange'
      ? { subsegmentAlignment: 'true', subsegmentStartsWithSAP: '1' }
      : { segmentAlignment: 'true', startWithSAP: '1' };
  const out = [
    `    <AdaptationSet${attributes({
      id: String(id),
      contentType: 'audio',
      mimeType: 'audio/mp4',
      codecs,
      ...alignment,
    })}>`,
  ];
  if (channels !== undefined) out.push(`      ${channelConfiguration(channels)}`);
  for (const rendition of renditions) {
    out.push(...representation(rendition, addressing, { codecs, channels }, '      '));
  }
  out.push('    </AdaptationSet>');
  return out;
}

function representation(
  rendition: Rendition,
  addressing: Addressing,
  inherited: { codecs: string | undefined; channels: number | undefined },
  indent: string,
): string[] {
  const inner = `${indent}  `;
  const out = [
    `${indent}<Representation${attributes({
      id: rendition.id,
      codecs: inherited.codecs === undefined ? rendition.codecs : undefined,
      bandwidth: String(bandwidth(rendition.peakBitrate)),
      audioSamplingRate: String(rendition.sampleRate),
    })}>`,
  ];
  if (inherited.channels === undefined) out.push(`${inner}${channelConfiguration(rendition.channels)}`);
  if (addressing === 'byterange') {
    out.push(`${inner}<BaseURL>${escapeXml(rendition.file)}</BaseURL>`);
    out.push(
      `${inner}<SegmentBase${attributes({
        timescale: String(rendition.timescale),
        indexRange: inclusiveRange(rendition.index),
        indexRangeExact: 'true',
      })}>`,
    );
    out.push(`${inner}  <Initialization${attributes({ range: inclusiveRange(rendition.init) })}/>`);
    out.push(`${inner}</SegmentBase>`);
  } else {
    out.push(
      `${inner}<SegmentTemplate${attributes({
        timescale: String(rendition.timescale),
        initialization: '$RepresentationID$/init.mp4',
        media: '$RepresentationID$/$Number$.m4s',
        startNumber: '1',
      })}>`,
    );
    out.push(`${inner}  <SegmentTimeline>`);
    for (const entry of segmentTimeline(rendition.segments)) {
      out.push(
        `${inner}    <S${attributes({
          t: entry.t === undefined ? undefined : String(entry.t),
          d: String(entry.d),
          r: entry.r > 0 ? String(entry.r) : undefined,
        })}/>`,
      );
    }
    out.push(`${inner}  </SegmentTimeline>`);
    out.push(`${inner}</SegmentTemplate>`);
  }
  out.push(`${indent}</Representation>`);
  return out;
}

/**
 * Run-length encodes segment durations. Segments must be contiguous (each starts where the
 * previous one ends): a timeline with `t` on the first entry only cannot express gaps.
 */
export function segmentTimeline(segments: readonly Segment[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let expectedTime: number | undefined;
  for (const segment of segments) {
    if (!Number.isSafeInteger(segment.duration) || segment.duration <= 0) {
      throw new RangeError(`invalid segment duration ${segment.duration} at time ${segment.time}`);
    }
    if (expectedTime !== undefined && segment.time !== expectedTime) {
      throw new RangeError(`segment at time ${segment.time} does not follow on from ${expectedTime}`);
    }
    expectedTime = segment.time + segment.duration;
    const last = entries.at(-1);
    if (last !== undefined && last.d === segment.duration) {
      last.r += 1;
    } else if (last === undefined) {
      entries.push({ t: segment.time, d: segment.duration, r: 0 });
    } else {
      entries.push({ d: segment.duration, r: 0 });
    }
  }
  return entries;
}

/** Expands a timeline back into segment start times and durations (the inverse of the above). */
export function expandTimeline(entries: readonly TimelineEntry[]): Array<{ time: number; duration: number }> {
  const segments: Array<{ time: number; duration: number }> = [];
  let time = 0;
  for (const entry of entries) {
    if (entry.t !== undefined) time = entry.t;
    for (let i = 0; i <= entry.r; i += 1) {
      segments.push({ time, duration: entry.d });
      time += entry.d;
    }
  }
  return segments;
}

/**
 * An xs:duration for `seconds`, to the millisecond: `PT20.500S`, `PT4M0.000S`, `PT1H2M3.000S`.
 */
export function isoDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`invalid duration: ${seconds} s`);
  }
  // Split integer milliseconds so rounding (59.9996 s) carries into minutes instead of 60.000S.
  const totalMs = Math.round(seconds * 1000);
  const hours = Math.floor(totalMs / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const ms = totalMs % 60_000;
  const secondsPart = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}S`;
  if (hours > 0) return `PT${hours}H${minutes}M${secondsPart}`;
  if (minutes > 0) return `PT${minutes}M${secondsPart}`;
  return `PT${secondsPart}`;
}

// With bandwidth = measured peak over segments, buffering one full (longest) segment is enough.
function minBufferSeconds(description: MediaDescription): number {
  let longest = 0;
  for (const rendition of description.renditions) {
    for (const segment of rendition.segments) {
      longest = Math.max(longest, segment.duration / rendition.timescale);
    }
  }
  return Math.ceil((longest || description.segmentDuration) * 1000) / 1000;
}

function bandwidth(bitsPerSecond: number): number {
  const value = Math.ceil(bitsPerSecond);
  // The schema types bandwidth as xs:unsignedInt.
  if (!Number.isFinite(bitsPerSecond) || value <= 0 || value > 0xffff_ffff) {
    throw new RangeError(`invalid bitrate: ${bitsPerSecond}`);
  }
  return value;
}

function inclusiveRange({ offset, size }: ByteRange): string {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size <= 0) {
    throw new RangeError(`invalid byte range: ${size}@${offset}`);
  }
  return `${offset}-${offset + size - 1}`;
}

function channelConfiguration(channels: number): string {
  return `<AudioChannelConfiguration${attributes({ schemeIdUri: CHANNEL_SCHEME, value: String(channels) })}/>`;
}

function shared<T>(values: readonly T[]): T | undefined {
  const [first] = values;
  return values.every((value) => value === first) ? first : undefined;
}

function attributes(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for XML attribute values and element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}
