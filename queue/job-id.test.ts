import { describe, expect, it } from 'vitest';
import type { TrackRights } from '../listeners/rights-model.ts';
import type { TrackIngestInput } from '../pipeline/track-ingest.ts';
import { canonicalJson, trackJobId } from './job-id.ts';
import { failureCode, isRetryable } from './retry-policy.ts';

const input = {
  deliveryFile: '/labels/a/delivery.json',
  release: { upc: '012345678905', label: 'L', title: 'Aurora', artists: ['A'], releaseDate: '2026-11-01', genre: null, territories: ['WW'] },
  track: { isrc: 'GBCAD2600001', title: 'One', artists: ['A'], trackNumber: 1, discNumber: 1, explicit: false, masterPath: '/labels/a/01.wav', master: {} },
} as unknown as TrackIngestInput;

describe('trackJobId', () => {
  it('is the same for the same track, wherever the delivery sits', () => {
    const moved = { ...input, deliveryFile: '/elsewhere/delivery.json', track: { ...input.track, masterPath: '/elsewhere/01.wav' } };
    expect(trackJobId(moved, 'v1')).toBe(trackJobId(input, 'v1'));
    expect(trackJobId(input, 'v1')).toMatch(/^GBCAD2600001-v1-[0-9a-f]{12}$/);
    expect(trackJobId(input, 'v1')).not.toContain(':');
  });

  it('differs for another master or corrected facts', () => {
    expect(trackJobId(input, 'v2')).not.toBe(trackJobId(input, 'v1'));
    const corrected = { ...input, track: { ...input.track, title: 'One (remastered)' } };
    expect(trackJobId(corrected, 'v1')).not.toBe(trackJobId(input, 'v1'));
  });

  it('differs for another deal on the track (a DDEX update of rights only), and not for a track without rights of its own', () => {
    const rights = (tiers: string[]): TrackRights => ({ territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: null, tiers });
    const licensed = { ...input, track: { ...input.track, rights: rights(['free', 'premium']) } } as unknown as TrackIngestInput;
    const subscription = { ...input, track: { ...input.track, rights: rights(['premium']) } } as unknown as TrackIngestInput;
    expect(trackJobId(subscription, 'v1')).not.toBe(trackJobId(licensed, 'v1'));
    expect(trackJobId(licensed, 'v1')).not.toBe(trackJobId(input, 'v1'));
    // A JSON delivery's track has no rights of its own: its id hashes its facts alone, as before.
    expect(trackJobId({ ...input, track: { ...input.track, rights: undefined } } as TrackIngestInput, 'v1')).toBe(trackJobId(input, 'v1'));
  });

  it('hashes facts independently of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } })).toBe('{"a":{"c":[3,{"e":2,"f":1}],"d":2},"b":1}');
  });
});

describe('retry policy', () => {
  it('retries transient failures and fails bad input at once', () => {
    expect(isRetryable('STORAGE: s3 timed out')).toBe(true);
    expect(isRetryable('FFMPEG: ffmpeg failed')).toBe(true);
    expect(isRetryable('INTERNAL: TypeError')).toBe(true);
    expect(isRetryable('BAD_MASTER: lossy')).toBe(false);
    expect(isRetryable('CONFLICT: another label')).toBe(false);
    expect(isRetryable('NOT_FOUND: masters/x.wav')).toBe(false);
    expect(failureCode('no code here')).toBe('INTERNAL');
  });
});
