// Every problem a message can have, each reported with its element path, all at once.

import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease, type ErnFamily, type ErnMessageSpec } from '../fixtures/ddex-messages.ts';
import { readErnMessage } from './read-ern.ts';
import type { DdexProblem } from './types.ts';

function replaceOnce(xml: string, from: string | RegExp, to: string): string {
  const changed = xml.replace(from, to);
  if (changed === xml) throw new Error(`fixture does not contain ${from}`);
  return changed;
}

function problemsOf(xml: string): DdexProblem[] {
  const result = readErnMessage(xml);
  expect(result.ok).toBe(false);
  return result.problems.filter((p) => p.severity === 'error');
}

function spec(family: ErnFamily, edit: (s: ErnMessageSpec) => void = () => {}): string {
  const s = sampleRelease({ family, tracks: 3 });
  edit(s);
  return ernMessage(s);
}

const M = '/NewReleaseMessage';

describe.each(['3.8.2', '4.3'] as const)('problems in ERN %s', (family) => {
  const ern3 = family === '3.8.2';
  const recording = (n: number) => `${M}/ResourceList/SoundRecording[${n}]`;
  const isrcPath = (n: number) => `${recording(n)}/${ern3 ? 'SoundRecordingId' : 'ResourceId'}/ISRC`;
  const mainRelease = `${M}/ReleaseList/${ern3 ? 'Release[1]' : 'Release'}`;
  const file = (n: number) => `${recording(n)}/${ern3 ? 'SoundRecordingDetailsByTerritory/TechnicalSoundRecordingDetails' : 'TechnicalDetails/DeliveryFile'}/File`;
  const group = `${mainRelease}/${ern3 ? 'ReleaseDetailsByTerritory/' : ''}ResourceGroup`;

  it('a refused message still returns what mapped (its well-formed tracks), so the caller can check their files too', () => {
    const result = readErnMessage(replaceOnce(spec(family), 'GBCAD2600002', 'GBCAD26X0002'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.partial?.kind).toBe('release');
    if (result.partial?.kind !== 'release') return;
    expect(result.partial.tracks.map((t) => t.isrc)).toEqual(['GBCAD2600001', 'GBCAD2600003']);
  });

  it('an ISRC of the wrong form, at its element', () => {
    expect(problemsOf(replaceOnce(spec(family), 'GBCAD2600002', 'GBCAD26X0002'))).toEqual([
      expect.objectContaining({ code: 'BAD_ISRC', path: isrcPath(2), message: expect.stringContaining('GBCAD26X0002') }),
    ]);
  });

  it('an ICPN with a wrong check digit', () => {
    expect(problemsOf(spec(family, (s) => (s.release.icpn = '012345678904')))).toEqual([
      expect.objectContaining({ code: 'BAD_ICPN', path: `${mainRelease}/ReleaseId/ICPN`, message: '012345678904 has a wrong check digit' }),
    ]);
  });

  it('a GRid with a wrong check character', () => {
    expect(problemsOf(spec(family, (s) => (s.release.grid = 'A12425GABC1234002N')))).toEqual([
      expect.objectContaining({ code: 'BAD_GRID', path: `${mainRelease}/ReleaseId/GRid` }),
    ]);
  });

  it('dates that do not exist: a release date and a deal end', () => {
    const problems = problemsOf(
      spec(family, (s) => {
        s.release.releaseDate = '2026-02-30';
        s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], end: '2027-02-29' }];
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'BAD_DATE', path: `${mainRelease}/${ern3 ? 'ReleaseDetailsByTerritory/OriginalReleaseDate' : 'ReleaseDate'}`, message: '2026-02-30 is not a date that exists' }),
        expect.objectContaining({ code: 'BAD_DATE', path: `${M}/DealList/ReleaseDeal/Deal/DealTerms/ValidityPeriod/EndDate`, message: '2027-02-29 is not a date that exists' }),
      ]),
    );
  });

  it('a MessageCreatedDateTime that does not exist', () => {
    expect(problemsOf(spec(family).replace('2026-12-01T10:00:00Z', '2026-12-01T25:00:00Z'))).toEqual([
      expect.objectContaining({ code: 'BAD_DATE', path: `${M}/MessageHeader/MessageCreatedDateTime` }),
    ]);
  });

  it('an unknown resource reference in the resource group', () => {
    const xml = replaceOnce(spec(family), '<ReleaseResourceReference>A3</ReleaseResourceReference>', '<ReleaseResourceReference>A9</ReleaseResourceReference>');
    expect(problemsOf(xml)).toContainEqual(
      expect.objectContaining({ code: 'UNKNOWN_REFERENCE', path: `${group}/ResourceGroupContentItem[3]/ReleaseResourceReference`, message: 'no resource A9 in the ResourceList' }),
    );
  });

  it('an unknown release reference in a deal', () => {
    expect(problemsOf(replaceOnce(spec(family), '<DealReleaseReference>R0<', '<DealReleaseReference>R77<'))).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_REFERENCE', path: `${M}/DealList/ReleaseDeal[1]/DealReleaseReference`, message: 'no release R77 in the ReleaseList' }),
    ]);
  });

  it('a sound recording without a file reference', () => {
    const xml = replaceOnce(spec(family), /<File>.*?<\/File>/, '');
    expect(problemsOf(xml)).toEqual([expect.objectContaining({ code: 'NO_FILE', path: recording(1), message: 'the sound recording names no file' })]);
  });

  it.each([
    ['../../etc/passwd.flac', 'leads outside the release folder'],
    ['/srv/masters/01.flac', 'not absolute'],
    ['https://files.example.com/01.flac', 'not a URL'],
    // A %-escape only means something in an ERN 4 URI; an ERN 3 FileName is a plain name (read-ern-variants.test.ts).
    ...(ern3 ? [] : [['resources/%2e%2e/%2e%2e/x.flac', 'leads outside the release folder']]),
  ])('a file path outside the release folder: %s', (path, reason) => {
    const problems = problemsOf(spec(family, (s) => (s.tracks[1]!.file = path)));
    // ERN 3 writes the folder part as FilePath, where every one of these goes wrong.
    const where = `${file(2)}/${ern3 ? 'FilePath' : 'URI'}`;
    expect(problems).toEqual([expect.objectContaining({ code: 'UNSAFE_PATH', path: where, message: expect.stringContaining(reason) })]);
  });

  it('a hash of the wrong form, and an unsupported algorithm', () => {
    const problems = problemsOf(
      spec(family, (s) => {
        s.tracks[0]!.hash = { algorithm: 'MD5', value: 'not-hex' };
        s.tracks[2]!.hash = { algorithm: 'CRC32', value: 'deadbeef' };
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({ code: 'BAD_HASH', path: `${file(1)}/HashSum`, message: expect.stringContaining('MD5') }),
      expect.objectContaining({ code: 'BAD_HASH', path: `${file(3)}/HashSum`, message: expect.stringContaining('CRC32') }),
    ]);
  });

  it('SHA-1 and SHA-256 hashes are read', () => {
    const result = readErnMessage(
      spec(family, (s) => {
        s.tracks[0]!.hash = { algorithm: 'SHA1', value: 'A'.repeat(40) };
        s.tracks[1]!.hash = { algorithm: 'SHA256', value: 'b'.repeat(64) };
      }),
    );
    expect(result.ok && result.model.kind === 'release' && result.model.tracks.slice(0, 2).map((t) => t.master.hash)).toEqual([
      { algorithm: 'SHA-1', value: 'a'.repeat(40) },
      { algorithm: 'SHA-256', value: 'b'.repeat(64) },
    ]);
  });

  it('missing required elements: MessageId, a track title, the label', () => {
    let xml = replaceOnce(spec(family), /<MessageId>[^<]*<\/MessageId>/, '');
    xml = ern3
      ? replaceOnce(replaceOnce(xml, '<TitleText>Movement 2</TitleText>', ''), '<Title TitleType="DisplayTitle"><TitleText>Movement 2</TitleText></Title>', '')
      : replaceOnce(replaceOnce(xml, '<DisplayTitleText>Movement 2</DisplayTitleText>', ''), '<DisplayTitle><TitleText>Movement 2</TitleText></DisplayTitle>', '');
    xml = ern3 ? xml.replace(/<LabelName>Northern Lights Records<\/LabelName><Title TitleType="DisplayTitle"><TitleText>Aurora/, '<Title TitleType="DisplayTitle"><TitleText>Aurora') : replaceOnce(xml, /<ReleaseLabelReference>P1<\/ReleaseLabelReference><PLine>/, '<PLine>');
    const problems = problemsOf(xml);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'MISSING', path: `${M}/MessageHeader/MessageId` }),
        expect.objectContaining({ code: 'MISSING', path: `${recording(2)}/${ern3 ? 'ReferenceTitle/TitleText' : 'DisplayTitleText'}`, message: 'the sound recording has no title' }),
        expect.objectContaining({ code: 'MISSING', path: `${mainRelease}/${ern3 ? 'ReleaseDetailsByTerritory/LabelName' : 'ReleaseLabelReference'}`, message: 'the release has no label' }),
      ]),
    );
    expect(readErnMessage(xml)).toMatchObject({ ok: false, message: null });
  });

  it('a sound recording without a display artist', () => {
    const xml = spec(family).replace(
      ern3
        ? /<DisplayArtist SequenceNumber="1"><PartyName><FullName>Ilse Varga<\/FullName><\/PartyName><ArtistRole>MainArtist<\/ArtistRole><\/DisplayArtist><LabelName>/
        : /<DisplayArtistName>Ilse Varga<\/DisplayArtistName><DisplayArtist SequenceNumber="1"><ArtistPartyReference>P2<\/ArtistPartyReference><DisplayArtistRole>MainArtist<\/DisplayArtistRole><\/DisplayArtist><Contributor/,
      ern3 ? '<LabelName>' : '<Contributor',
    );
    expect(problemsOf(xml)).toEqual([
      expect.objectContaining({ code: 'MISSING', path: `${recording(1)}${ern3 ? '/SoundRecordingDetailsByTerritory' : ''}/DisplayArtist`, message: 'the sound recording has no display artist' }),
    ]);
  });

  it('a bad duration and a bad territory', () => {
    const problems = problemsOf(
      spec(family, (s) => {
        s.tracks[0]!.duration = '3:10';
        s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['XX'] }];
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({ code: 'BAD_DURATION', path: `${recording(1)}/Duration` }),
      expect.objectContaining({ code: 'BAD_TERRITORY', path: `${M}/DealList/ReleaseDeal/Deal/DealTerms/TerritoryCode` }),
      expect.objectContaining({ code: 'MISSING', path: `${M}/DealList/ReleaseDeal/Deal/DealTerms/TerritoryCode` }),
    ]);
  });

  it('two tracks with one ISRC', () => {
    const problems = problemsOf(spec(family, (s) => (s.tracks[2]!.isrc = s.tracks[0]!.isrc)));
    expect(problems).toEqual([expect.objectContaining({ code: 'DUPLICATE', path: `${group}/ResourceGroupContentItem[3]`, message: expect.stringContaining('GBCAD2600001') })]);
  });

  it('every problem at once, header still named for the acknowledgement', () => {
    const xml = spec(family, (s) => {
      s.release.icpn = '012345678900';
      s.tracks[0]!.isrc = 'GB-CAD-26-0000X';
      s.tracks[1]!.file = '../02.flac';
      s.tracks[2]!.hash = { algorithm: 'MD5', value: '0' };
      s.release.releaseDate = '2026-13-01';
    });
    const result = readErnMessage(xml);
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code).sort()).toEqual(['BAD_DATE', 'BAD_HASH', 'BAD_ICPN', 'BAD_ISRC', 'UNSAFE_PATH']);
    expect(!result.ok && result.message?.id).toBe('MSG-26-3-new');
  });
});

describe('ERN 4 release date', () => {
  it('no release date and no deal to date it, reported with the other problems', () => {
    const xml = spec('4.3', (s) => {
      delete s.release.releaseDate;
      s.deals = [];
      s.tracks[1]!.isrc = s.tracks[0]!.isrc;
    });
    expect(problemsOf(xml)).toEqual([
      expect.objectContaining({ code: 'MISSING', path: `${M}/ReleaseList/Release/ReleaseDate`, message: 'the release has no release date and no deal start date' }),
      expect.objectContaining({ code: 'DUPLICATE', path: `${M}/ReleaseList/Release/ResourceGroup/ResourceGroupContentItem[2]` }),
    ]);
  });
});

describe('ERN 4 party references', () => {
  it('an artist reference nothing in the PartyList defines', () => {
    const xml = replaceOnce(ernMessage(sampleRelease({ family: '4.3', tracks: 2 })), '<ArtistPartyReference>P2</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist><Contributor', '<ArtistPartyReference>P99</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist><Contributor');
    expect(problemsOf(xml)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'UNKNOWN_REFERENCE', path: `${M}/ResourceList/SoundRecording[1]/DisplayArtist/ArtistPartyReference`, message: 'no Party P99 in the PartyList' })]),
    );
  });
});
