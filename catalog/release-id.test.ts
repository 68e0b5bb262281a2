import { describe, expect, it } from 'vitest';
import { gridReleaseId, isReleaseIdShape, mergeAliases, proprietaryReleaseId, releaseIdentity, releaseIdParts, upcOf, withKnownAliases } from './release-id.ts';
import { samplePublish } from './test-support.ts';

describe('release ids', () => {
  it('are a UPC/EAN, grid:<GRid> or proprietary:<namespace>:<id>, each told apart', () => {
    expect(releaseIdParts('012345678905')).toEqual({ upc: '012345678905', grid: null, proprietaryId: null });
    expect(releaseIdParts(gridReleaseId('A12425GABC1234002M'))).toEqual({ upc: null, grid: 'A12425GABC1234002M', proprietaryId: null });
    const proprietary = proprietaryReleaseId('PADPIDA2026120301X', 'NLR-0042');
    expect(proprietary).toBe('proprietary:PADPIDA2026120301X:NLR-0042');
    expect(releaseIdParts(proprietary!)).toEqual({ upc: null, grid: null, proprietaryId: { namespace: 'PADPIDA2026120301X', value: 'NLR-0042' } });
    expect(upcOf('012345678905')).toBe('012345678905');
    expect(upcOf('grid:A12425GABC1234002M')).toBeNull();
    expect(releaseIdentity('grid:A12425GABC1234002M')).toEqual({ id: 'grid:A12425GABC1234002M', upc: null, grid: 'A12425GABC1234002M', proprietaryId: null });
  });

  it('never hold what would need escaping in a URL path or an object key', () => {
    expect(proprietaryReleaseId('PADPIDA2026120301X', 'NLR 0042')).toBeNull();
    expect(proprietaryReleaseId('PADPIDA2026120301X', 'a/b')).toBeNull();
    expect(proprietaryReleaseId('DPID:PADPIDA2026120301X', 'NLR-0042')).toBeNull();
    expect(proprietaryReleaseId(null, 'NLR-0042')).toBeNull();
    expect(proprietaryReleaseId('PADPIDA2026120301X', 'x'.repeat(65))).toBeNull();
    for (const bad of ['', '12345', 'grid:', 'grid:B12425GABC1234002M', 'grid:A1-2425G-ABC1234002-M', 'proprietary:ns', 'proprietary:ns:a:b', 'proprietary:ns:a%2Fb', '../etc', 'GRID:A12425GABC1234002M']) {
      expect(isReleaseIdShape(bad), bad).toBe(false);
    }
  });

  it('name a release by what its id and its other ids say: the ICPN of a release first known by its GRid', () => {
    expect(releaseIdentity('grid:A12425GABC1234002M', ['012345678905', 'proprietary:PADPIDA2026120301X:NLR-0042'])).toEqual({
      id: 'grid:A12425GABC1234002M',
      upc: '012345678905',
      grid: 'A12425GABC1234002M',
      proprietaryId: { namespace: 'PADPIDA2026120301X', value: 'NLR-0042' },
    });
    // The id's own parts first.
    expect(releaseIdentity('012345678905', ['5012345678900']).upc).toBe('012345678905');
  });

  it('merge aliases once each, sorted, never the release\'s own id; no aliases: no field', () => {
    expect(mergeAliases('grid:A12425GABC1234002M', ['proprietary:NS:X', '012345678905'], undefined, ['012345678905', 'grid:A12425GABC1234002M'])).toEqual(['012345678905', 'proprietary:NS:X']);
    const { release } = samplePublish();
    expect(withKnownAliases(release, [release.upc])).toBe(release);
    expect(withKnownAliases({ ...release, aliases: ['proprietary:NS:X'] }, ['grid:A12425GABC1234002M']).aliases).toEqual(['grid:A12425GABC1234002M', 'proprietary:NS:X']);
  });
});
