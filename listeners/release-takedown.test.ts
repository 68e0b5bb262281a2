import { describe, expect, it } from 'vitest';
import { refuseRelease } from './release-takedown.ts';

const UPC = '012345678905';
const operator = { source: 'operator', reason: 'label request', at: '2026-12-03T10:00:00.000Z' } as const;
const purge = { source: 'ddex', messageId: 'ALBUM-2', reason: 'PurgeReleaseMessage in DDEX message ALBUM-2', at: '2026-12-03T11:00:00.000Z' } as const;

describe('refuseRelease', () => {
  it('keeps a release with at least one track not taken down', () => {
    expect(refuseRelease(UPC, [null])).toBeNull();
    expect(refuseRelease(UPC, [operator, null, purge])).toBeNull();
  });

  it('keeps a release that lists no published track (the cover route answers 404 for it anyway)', () => {
    expect(refuseRelease(UPC, [])).toBeNull();
  });

  it('refuses a release whose every track is taken down with 410 release_taken_down, naming the operator', () => {
    expect(refuseRelease(UPC, [operator, operator])).toEqual({
      status: 410,
      error: 'release_taken_down',
      message: `release ${UPC} was taken down: label request`,
      details: { since: operator.at, source: 'operator' },
    });
  });

  it('whatever the sources, the latest takedown is the one named (here a DDEX purge with its message)', () => {
    expect(refuseRelease(UPC, [purge, operator])).toEqual({
      status: 410,
      error: 'release_taken_down',
      message: `release ${UPC} was taken down: ${purge.reason}`,
      details: { since: purge.at, source: 'ddex', messageId: 'ALBUM-2' },
    });
  });
});
