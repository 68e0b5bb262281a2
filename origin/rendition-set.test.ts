import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../listeners/tiers.ts';
import { writeMpd } from '../manifests/dash-writer.ts';
import { writeMultivariantPlaylist } from '../manifests/hls-writer.ts';
import { withRenditions } from '../manifests/rendition-filter.ts';
import type { MediaDescription } from '../manifests/types.ts';
import { decodeRenditionSet, encodeRenditionSet, renditionSetIncludes } from './rendition-set.ts';

const description = JSON.parse(readFileSync(new URL('../manifests/testdata/stereo-44k/description.json', import.meta.url), 'utf8')) as MediaDescription;

describe('rendition sets in media tokens', () => {
  it('encode each default tier as one hex digit and decode back to the same renditions', () => {
    const codes = Object.fromEntries([...DEFAULT_TIERS].map(([tier, renditions]) => [tier, encodeRenditionSet(renditions)]));
    expect(codes).toEqual({ free: '3', premium: '7', hifi: 'f' });
    for (const [tier, renditions] of DEFAULT_TIERS) expect(decodeRenditionSet(codes[tier]!), tier).toEqual(renditions);
    expect(renditionSetIncludes('3', 'flac')).toBe(false);
    expect(renditionSetIncludes('7', 'aac-320')).toBe(true);
    expect(renditionSetIncludes('8', 'flac')).toBe(true);
  });
});

describe('withRenditions', () => {
  it('gives the writers a description with only the tier\'s renditions: a free MPD has no FLAC adaptation set', () => {
    const free = withRenditions(description, DEFAULT_TIERS.get('free')!);
    expect(free.renditions.map((r) => r.id)).toEqual(['aac-96', 'aac-160']);
    const mpd = writeMpd(free, { addressing: 'segments' });
    expect(mpd).not.toMatch(/fLaC|flac/);
    expect(mpd.match(/<AdaptationSet/g)).toHaveLength(1);
    const playlist = writeMultivariantPlaylist(free);
    expect(playlist.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
    expect(playlist).not.toMatch(/aac-320|flac/);
    // The stored description itself is untouched.
    expect(description.renditions).toHaveLength(4);
  });
});
