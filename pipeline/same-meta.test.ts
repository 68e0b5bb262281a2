import { describe, expect, it } from 'vitest';
import { samplePublish } from '../catalog/test-support.ts';
import { sameMeta, type VersionMeta } from './publish.ts';

// Whether a delivery's facts differ from the stored ones decides a metadata revision (and a
// republish) without an encode: every fact a track answer shows must count.

function meta(): VersionMeta {
  const { release, track } = samplePublish();
  return { release, track };
}

describe('sameMeta', () => {
  it('treats facts stored before recordings carried genre, credits and ℗ line as none given', () => {
    const withNone = meta();
    withNone.track = { ...withNone.track, genre: null, credits: [], pLine: null };
    expect(sameMeta(meta(), withNone)).toBe(true);
  });

  it('sees a changed credit, role, genre or ℗ line', () => {
    const base = meta();
    base.track = { ...base.track, genre: 'Ambient', credits: [{ name: 'Mara Holm', role: 'Producer' }], pLine: { year: 2026, text: '(P) 2026 NLR' } };
    const changes: Array<(m: VersionMeta) => void> = [
      (m) => (m.track.credits = [{ name: 'Mara Holm', role: 'Composer' }]),
      (m) => (m.track.credits = [{ name: 'Mara Holm', role: 'Producer' }, { name: 'Oskar Lind', role: 'Lyricist' }]),
      (m) => (m.track.genre = null),
      (m) => (m.track.pLine = { year: 2025, text: '(P) 2026 NLR' }),
    ];
    for (const change of changes) {
      const changed = structuredClone(base);
      change(changed);
      expect(sameMeta(base, changed)).toBe(false);
    }
    expect(sameMeta(base, structuredClone(base))).toBe(true);
  });

  it('sees a release id learned or forgotten; no aliases field is the same as none, and their order does not count', () => {
    const base = meta();
    expect(sameMeta(base, { ...base, release: { ...base.release, aliases: [] } })).toBe(true);
    const learned = { ...base, release: { ...base.release, aliases: ['grid:A12425GABC1234002M', 'proprietary:NS:X'] } };
    expect(sameMeta(base, learned)).toBe(false);
    expect(sameMeta(learned, { ...base, release: { ...base.release, aliases: ['proprietary:NS:X', 'grid:A12425GABC1234002M'] } })).toBe(true);
  });
});
