import { describe, expect, it } from 'vitest';
import { gridCheckOk, parseDate, parseDateTime, parseDuration, parseGrid, parseHash, parseIcpn, parseIsrc, parseRelativeFile, parseRelativeFileName, parseTerritory } from './values.ts';

describe('ERN value formats', () => {
  it('ISRC: the 12-character form, hyphens of the display form dropped', () => {
    expect(parseIsrc('GB-AYE-26-00001')).toEqual({ value: 'GBAYE2600001' });
    expect(parseIsrc('GBAYE260001')).toHaveProperty('reason');
  });

  it('ICPN: UPC-A or EAN-13 with the GS1 check digit', () => {
    expect(parseIcpn('012345678905')).toEqual({ value: '012345678905' });
    expect(parseIcpn('4006381333931')).toEqual({ value: '4006381333931' });
    expect(parseIcpn('4006381333932')).toEqual({ reason: '4006381333932 has a wrong check digit' });
    expect(parseIcpn('12345')).toHaveProperty('reason');
    // GTIN-14 with a leading 0: the UPC-A or EAN-13 it wraps. Another indicator digit is no consumer product.
    expect(parseIcpn('04006381333931')).toEqual({ value: '4006381333931' });
    expect(parseIcpn('00012345678905')).toEqual({ value: '012345678905' });
    expect(parseIcpn('14006381333938')).toHaveProperty('reason');
  });

  it('GRid: ISO 7064 MOD 37-36 check character', () => {
    expect(parseGrid('A1-2425G-ABC1234002-M')).toEqual({ value: 'A12425GABC1234002M' });
    expect(gridCheckOk('A12425GABC1234002N')).toBe(false);
    // Every other check character is wrong: exactly one is right.
    const right = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => gridCheckOk(`A12425GABC1234002${c}`));
    expect(right).toEqual(['M']);
  });

  it('dates that exist; partial dates are read as their first day', () => {
    expect(parseDate('2028-02-29')).toEqual({ value: { date: '2028-02-29', partial: false } });
    expect(parseDate('2027-02-29')).toEqual({ reason: '2027-02-29 is not a date that exists' });
    expect(parseDate('2026')).toEqual({ value: { date: '2026-01-01', partial: true } });
    expect(parseDate('2026-13')).toHaveProperty('reason');
    expect(parseDate('01/11/2026')).toHaveProperty('reason');
  });

  it('date-times to UTC; no zone is UTC', () => {
    expect(parseDateTime('2026-12-01T10:00:00+02:00')).toEqual({ value: '2026-12-01T08:00:00.000Z' });
    expect(parseDateTime('2026-12-01T10:00:00.25')).toEqual({ value: '2026-12-01T10:00:00.250Z' });
    expect(parseDateTime('2026-04-31T10:00:00Z')).toHaveProperty('reason');
  });

  it('ISO 8601 durations', () => {
    expect(parseDuration('PT3M20S')).toEqual({ value: 200 });
    expect(parseDuration('PT1H2M3.5S')).toEqual({ value: 3723.5 });
    expect(parseDuration('P0DT0H3M20S')).toEqual({ value: 200 });
    expect(parseDuration('PT0H3M25.500S')).toEqual({ value: 205.5 });
    expect(parseDuration('PT185S')).toEqual({ value: 185 });
    expect(parseDuration('P0Y0M0DT0H3M25S')).toEqual({ value: 205 });
    for (const bad of ['P', 'PT', '3:20', 'PT3M20', '', 'P1Y', 'P0Y1MT3M']) expect(parseDuration(bad)).toHaveProperty('reason');
  });

  it('territories: Worldwide or ISO codes (WW is not DDEX)', () => {
    expect(parseTerritory('Worldwide')).toEqual({ value: 'WW' });
    expect(parseTerritory('SE')).toEqual({ value: 'SE' });
    expect(parseTerritory('WW')).toHaveProperty('reason');
    expect(parseTerritory('XK1')).toHaveProperty('reason');
  });

  it('hashes: MD5, SHA-1 and SHA-2 of the right length, lower-cased; SHA2 sized by its value', () => {
    expect(parseHash('SHA-256', 'AB'.repeat(32))).toEqual({ value: { algorithm: 'SHA-256', value: 'ab'.repeat(32) } });
    expect(parseHash('SHA1', 'a'.repeat(32))).toHaveProperty('reason');
    expect(parseHash('SHA-512', 'a'.repeat(128))).toEqual({ value: { algorithm: 'SHA-512', value: 'a'.repeat(128) } });
    expect(parseHash('SHA2', 'a'.repeat(64))).toEqual({ value: { algorithm: 'SHA-256', value: 'a'.repeat(64) } });
    expect(parseHash('SHA2', 'a'.repeat(40))).toHaveProperty('reason');
    expect(parseHash('CRC32', 'a'.repeat(8))).toEqual({ reason: expect.stringContaining('"CRC32" is not supported') });
  });

  it('file paths stay inside the release folder', () => {
    expect(parseRelativeFile('resources/./01.flac')).toEqual({ value: 'resources/01.flac' });
    expect(parseRelativeFile('resources/My%20Song.flac')).toEqual({ value: 'resources/My Song.flac' });
    for (const bad of ['../01.flac', 'a/../../01.flac', '/01.flac', 'C:/01.flac', 'file:///etc/passwd', 'a\\b.flac', 'a/%2e%2e/%2e%2e/b', 'a/%2fetc', 'a\0b', '%zz']) {
      expect(parseRelativeFile(bad), bad).toHaveProperty('reason');
    }
    // A relative file: URI is a path in the folder; an absolute one or one with a host is not.
    expect(parseRelativeFile('file:resources/01.flac')).toEqual({ value: 'resources/01.flac' });
    for (const bad of ['file://host/01.flac', 'file:/01.flac', 'file:../01.flac', 'https://cdn.example/01.flac']) {
      expect(parseRelativeFile(bad), bad).toHaveProperty('reason');
    }
    // ERN 3 FileName/FilePath are names, not URIs: % is itself.
    expect(parseRelativeFileName('resources/100% Live.flac')).toEqual({ value: 'resources/100% Live.flac' });
    for (const bad of ['../01.flac', '/01.flac', 'C:\\01.flac', 'ftp://x/01.flac', 'a\\b.flac']) {
      expect(parseRelativeFileName(bad), bad).toHaveProperty('reason');
    }
  });
});
