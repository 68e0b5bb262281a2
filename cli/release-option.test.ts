import { describe, expect, it } from 'vitest';
import { parseReleaseOption } from './release-option.ts';

describe('a release named on the command line', () => {
  it('takes a UPC/EAN, a GRid (hyphens allowed) or a proprietary id', () => {
    expect(parseReleaseOption('--upc', '012345678905')).toBe('012345678905');
    expect(parseReleaseOption('--upc', 'grid:A1-2425G-ABC1234002-M')).toBe('grid:A12425GABC1234002M');
    expect(parseReleaseOption('--release', 'proprietary:PADPIDA2026120301X:NLR-0042')).toBe('proprietary:PADPIDA2026120301X:NLR-0042');
  });

  it('refuses a wrong check digit or character, or anything else, naming the flag and the value', () => {
    expect(() => parseReleaseOption('--upc', '012345678906')).toThrow(/BAD_INPUT|--upc "012345678906" is not a UPC-A or EAN-13 with a valid check digit/);
    expect(() => parseReleaseOption('--upc', 'grid:A12425GABC1234002N')).toThrow(/--upc "grid:A12425GABC1234002N" is not a release id: .*wrong check character/);
    expect(() => parseReleaseOption('--release', 'Aurora')).toThrow(/--release "Aurora" is not a release id: a UPC\/EAN, grid:<GRid> or proprietary:<namespace>:<id>/);
  });
});
