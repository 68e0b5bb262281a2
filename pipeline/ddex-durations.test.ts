import { describe, expect, it } from 'vitest';
import type { DdexTrack } from '../ddex/types.ts';
import { durationWarnings } from './ddex-durations.ts';
import type { DeliveryTrack } from './delivery-model.ts';

const stated = (isrc: string, durationSeconds: number | null) =>
  ({ isrc, durationSeconds, location: `/NewReleaseMessage/ResourceList/SoundRecording[${isrc.slice(-1)}]`, master: { path: `resources/${isrc.slice(-1)}.wav` } }) as DdexTrack;
const delivered = (isrc: string, durationSeconds: number) => ({ isrc, master: { durationSeconds } }) as DeliveryTrack;

describe('stated durations against the masters', () => {
  it('lets rounding pass: 2 s, or 2 % of a long work', () => {
    expect(durationWarnings([stated('GBCAD9700001', 200), stated('GBCAD9700002', 3600)], [delivered('GBCAD9700001', 201.9), delivered('GBCAD9700002', 3671)])).toEqual([]);
  });

  it('warns beyond that, and says nothing of a track that states no duration', () => {
    const warnings = durationWarnings([stated('GBCAD9700001', 200), stated('GBCAD9700002', null)], [delivered('GBCAD9700001', 125), delivered('GBCAD9700002', 10)]);
    expect(warnings).toEqual([
      { where: '/NewReleaseMessage/ResourceList/SoundRecording[1]/Duration', code: 'DURATION_MISMATCH', message: 'the message says 3:20 but resources/1.wav lasts 2:05: is it the right file?' },
    ]);
  });
});
