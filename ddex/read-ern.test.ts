import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease, toUtf16, type ErnFamily, type ErnMessageSpec } from '../fixtures/ddex-messages.ts';
import { readErnMessage } from './read-ern.ts';
import type { PurgeReleaseModel, ReleaseDeliveryModel } from './types.ts';

const FAMILIES: ErnFamily[] = ['3.8.2', '4.3'];

function release(input: string | Uint8Array): ReleaseDeliveryModel {
  const result = readErnMessage(input);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems, null, 2)}`);
  expect(result.model.kind).toBe('release');
  return result.model as ReleaseDeliveryModel;
}

describe.each(FAMILIES)('ERN %s', (family) => {
  const root = 'NewReleaseMessage';

  it('maps a single: message header, release ids, title, artists, label, date, genre, P and C lines, cover', () => {
    const model = release(ernMessage(sampleRelease({ family, tracks: 1, messageId: 'MSG-SINGLE-1', createdAt: '2026-12-01T11:30:00+01:00' })));
    expect(model.message).toEqual({
      kind: 'new',
      ernVersion: family,
      id: 'MSG-SINGLE-1',
      threadId: 'thread-MSG-SINGLE-1',
      createdAt: '2026-12-01T10:30:00.000Z',
      sender: { partyId: 'PADPIDA2026120301X', name: 'Northern Lights Distribution' },
      recipients: [{ partyId: 'PADPIDA2026120302Y', name: 'Cadence' }],
      controlType: 'LiveMessage',
    });
    expect(model.release).toMatchObject({
      ids: { icpn: '012345678905', grid: 'A12425GABC1234002M', proprietary: [] },
      upc: '012345678905',
      key: '012345678905',
      title: 'Borealis',
      artists: ['Ilse Varga'],
      label: 'Northern Lights Records',
      releaseDate: '2026-11-01',
      genre: 'Classical',
      territories: ['WW'],
      releaseType: 'Single',
      pLine: { year: 2026, text: '(P) 2026 Northern Lights Records' },
      cLine: '(C) 2026 Northern Lights Records',
    });
    expect(model.tracks).toHaveLength(1);
    expect(model.tracks[0]).toMatchObject({
      isrc: 'GBCAD2600001',
      title: 'Movement 1',
      trackNumber: 1,
      discNumber: 1,
      durationSeconds: 190,
      master: { path: 'resources/001.flac', hash: { algorithm: 'MD5' } },
      artistRoles: [
        { name: 'Ilse Varga', role: 'MainArtist' },
        { name: 'Mara Holm', role: 'Producer' },
      ],
    });
    expect(model.tracks[0]!.master.hash!.value).toMatch(/^[0-9a-f]{32}$/);
    expect(model.cover).toMatchObject({ path: 'resources/cover.jpg', hash: { algorithm: 'MD5' } });
    expect(model.cover!.location).toMatch(new RegExp(`^/${root}/ResourceList/Image/.*File$`));
  });

  it('maps a 12-track album in order, with featured artists, explicit flags, durations and genres', () => {
    const model = release(ernMessage(sampleRelease({ family, tracks: 12 })));
    expect(model.release.releaseType).toBe('Album');
    expect(model.tracks.map((t) => t.isrc)).toEqual(Array.from({ length: 12 }, (_, i) => `GBCAD26${String(i + 1).padStart(5, '0')}`));
    expect(model.tracks.map((t) => t.trackNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(model.tracks.every((t) => t.discNumber === 1)).toBe(true);
    // Tracks 3, 8 are explicit in the sample (i % 5 === 2); 2, 6, 10 have a featured artist.
    expect(model.tracks.filter((t) => t.explicit).map((t) => t.trackNumber)).toEqual([3, 8]);
    expect(model.tracks[1]!.artists).toEqual(['Ilse Varga', 'Oskar Lind']);
    expect(model.tracks[1]!.artistRoles).toContainEqual({ name: 'Oskar Lind', role: 'FeaturedArtist' });
    expect(model.tracks[4]!.durationSeconds).toBe(4 * 60 + 14);
    // Track 4 carries its own genre; the others inherit the release's.
    expect(model.tracks.map((t) => t.genre)).toEqual(model.tracks.map((_, i) => (i % 6 === 3 ? 'Ambient' : 'Classical')));
    expect(model.tracks[0]!.pLine).toEqual({ year: 2026, text: '(P) 2026 Northern Lights Records' });
  });

  it('maps a 2-disc album: disc numbers from the groups, track numbers restart per disc', () => {
    const model = release(ernMessage(sampleRelease({ family, tracks: 12, discs: 2 })));
    expect(model.tracks.map((t) => `${t.discNumber}-${t.trackNumber}`)).toEqual([
      '1-1', '1-2', '1-3', '1-4', '1-5', '1-6', '2-1', '2-2', '2-3', '2-4', '2-5', '2-6',
    ]);
    expect(model.tracks[6]!.isrc).toBe('GBCAD2600007');
  });

  it('orders tracks by sequence number, not document order', () => {
    const spec = sampleRelease({ family, tracks: 3 });
    spec.tracks[0]!.trackNumber = 3;
    spec.tracks[2]!.trackNumber = 1;
    const model = release(ernMessage(spec));
    expect(model.tracks.map((t) => [t.trackNumber, t.isrc])).toEqual([
      [1, 'GBCAD2600003'],
      [2, 'GBCAD2600002'],
      [3, 'GBCAD2600001'],
    ]);
  });

  it('reads UTF-16 (LE and BE with a BOM, LE without) exactly as UTF-8', () => {
    const spec = sampleRelease({ family, tracks: 2 });
    spec.release.title = 'Ökenvind — 夜の光 & Ålfjärd';
    spec.tracks[0]!.title = 'Ǻurora “borealis” 🎻';
    const xml = ernMessage(spec);
    const utf8 = release(xml);
    expect(utf8.release.title).toBe('Ökenvind — 夜の光 & Ålfjärd');
    for (const bytes of [toUtf16(xml), toUtf16(xml, { endian: 'be' }), toUtf16(xml, { bom: false })]) {
      expect(release(bytes)).toEqual(utf8);
    }
    expect(release(Buffer.from(xml, 'utf8'))).toEqual(utf8);
  });

  it('matches elements by local name whatever the namespace prefix', () => {
    const plain = release(ernMessage(sampleRelease({ family, tracks: 2 })));
    expect(release(ernMessage({ ...sampleRelease({ family, tracks: 2 }), prefix: '' }))).toEqual(plain);
    expect(release(ernMessage({ ...sampleRelease({ family, tracks: 2 }), prefix: 'echo43' }))).toEqual(plain);
    // Some senders qualify every element, not just the root.
    const everyElement = ernMessage(sampleRelease({ family, tracks: 2 })).replace(/<(\/?)([A-Z][A-Za-z]*)([ >])/g, '<$1ern:$2$3');
    expect(everyElement).toContain('<ern:MessageHeader>');
    expect(release(everyElement)).toEqual(plain);
  });

  it('recognises an update message', () => {
    const model = release(ernMessage(sampleRelease({ family, tracks: 2, kind: 'update' })));
    expect(model.message.kind).toBe('update');
  });

  it('reads a purge message as the release it names', () => {
    const result = readErnMessage(ernMessage(sampleRelease({ family, tracks: 2, kind: 'purge', messageId: 'MSG-PURGE' })));
    expect(result.ok).toBe(true);
    const model = (result as { model: PurgeReleaseModel }).model;
    expect(model).toMatchObject({
      kind: 'purge',
      message: { kind: 'purge', id: 'MSG-PURGE', ernVersion: family },
      release: { key: '012345678905', ids: { icpn: '012345678905' }, title: 'Aurora & Other Lights' },
    });
  });

  it('identifies a release without an ICPN by its GRid, or else its proprietary id', () => {
    const byGrid: ErnMessageSpec = sampleRelease({ family, tracks: 1 });
    delete byGrid.release.icpn;
    const gridModel = release(ernMessage(byGrid));
    expect(gridModel.release).toMatchObject({ upc: null, key: 'grid:A12425GABC1234002M' });

    const byProprietary: ErnMessageSpec = sampleRelease({ family, tracks: 1 });
    delete byProprietary.release.icpn;
    delete byProprietary.release.grid;
    byProprietary.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NL-0042' };
    expect(release(ernMessage(byProprietary)).release).toMatchObject({
      upc: null,
      key: 'proprietary:PADPIDA2026120301X:NL-0042',
      ids: { proprietary: [{ namespace: 'DPID:PADPIDA2026120301X', value: 'NL-0042' }] },
    });
  });

  it('knows a release by every identifier usable as its id, its id first, each with its element (release and purge)', () => {
    const all: ErnMessageSpec = sampleRelease({ family, tracks: 1 });
    all.release.proprietaryId = { namespace: 'DPID:PADPIDA2026120301X', value: 'NL-0042' };
    const ids = release(ernMessage(all)).release.ids.knownAs;
    expect(ids.map((each) => each.id)).toEqual(['012345678905', 'grid:A12425GABC1234002M', 'proprietary:PADPIDA2026120301X:NL-0042']);
    expect(ids.map((each) => each.location)).toEqual([expect.stringMatching(/\/ReleaseId\/ICPN$/), expect.stringMatching(/\/ReleaseId\/GRid$/), expect.stringMatching(/\/ReleaseId\/ProprietaryId$/)]);
    // A proprietary id that cannot be a release id (no namespace) names nothing.
    all.release.proprietaryId = { namespace: '', value: 'NL 0042' };
    expect(release(ernMessage(all)).release.ids.knownAs.map((each) => each.id)).toEqual(['012345678905', 'grid:A12425GABC1234002M']);
    const purge = readErnMessage(ernMessage({ ...sampleRelease({ family, tracks: 1, kind: 'purge', messageId: 'MSG-PURGE' }) }));
    expect((purge as { model: PurgeReleaseModel }).model.release.ids.knownAs.map((each) => each.id)).toEqual(['012345678905', 'grid:A12425GABC1234002M']);
  });

  it('maps only the main release, never its track releases as albums', () => {
    const model = release(ernMessage(sampleRelease({ family, tracks: 12 })));
    expect(model.release.title).toBe('Aurora & Other Lights');
    expect(model.tracks).toHaveLength(12);
    // Without track releases the same tracks come out.
    const bare = release(ernMessage({ ...sampleRelease({ family, tracks: 12 }), trackReleases: false }));
    expect(bare.tracks.map((t) => t.isrc)).toEqual(model.tracks.map((t) => t.isrc));
  });

  it('reports an ERN family neighbour as read with a warning, and refuses a non-ERN document', () => {
    const xml = ernMessage(sampleRelease({ family, tracks: 1 }));
    const neighbour = family === '3.8.2' ? xml.replace('ern/382"', 'ern/381"').replace('ern/382', 'ern/381') : xml.replace('ern/43"', 'ern/42"');
    const result = readErnMessage(neighbour);
    expect(result.ok).toBe(true);
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_MESSAGE', severity: 'warning' }));

    const other = readErnMessage('<?xml version="1.0"?><Invoice xmlns="urn:example"><Total>1</Total></Invoice>');
    expect(other.ok).toBe(false);
    expect(other.problems).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_MESSAGE', path: '/Invoice' }));
  });
});

describe('main release selection', () => {
  it('takes an ERN 3 Album without IsMainRelease by its ReleaseType', () => {
    const xml = ernMessage(sampleRelease({ family: '3.8.2', tracks: 3 })).replace('<Release IsMainRelease="true">', '<Release>');
    expect(release(xml).release.releaseType).toBe('EP');
  });

  it('refuses two main releases, naming both', () => {
    // Without IsMainRelease (which would name the main one), two releases of an album-like type.
    const xml = ernMessage(sampleRelease({ family: '3.8.2', tracks: 3 }))
      .replace('<Release IsMainRelease="true">', '<Release>')
      .replace('<ReleaseType>TrackRelease</ReleaseType>', '<ReleaseType>Single</ReleaseType>');
    const result = readErnMessage(xml);
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(
      expect.objectContaining({ code: 'NO_MAIN_RELEASE', path: '/NewReleaseMessage/ReleaseList', message: expect.stringContaining('/NewReleaseMessage/ReleaseList/Release[2]') }),
    );
  });

  it('refuses a release list with no main release', () => {
    const xml = ernMessage(sampleRelease({ family: '3.8.2', tracks: 2 }))
      .replace('<Release IsMainRelease="true">', '<Release>')
      .replace('<ReleaseType>EP</ReleaseType>', '<ReleaseType>VideoSingle</ReleaseType>');
    const result = readErnMessage(xml);
    expect(result.problems).toContainEqual(expect.objectContaining({ code: 'NO_MAIN_RELEASE' }));
  });
});

describe('entities and text', () => {
  it('decodes the predefined entities and character references, and nothing else', () => {
    const spec = sampleRelease({ family: '4.3', tracks: 1 });
    spec.tracks[0]!.title = 'TITLE_MARK';
    const xml = ernMessage(spec).replace(/TITLE_MARK/g, 'Caf&#233; &amp; Bar &#x1F3BB; &lt;live&gt;');
    expect(release(xml).tracks[0]!.title).toBe('Café & Bar 🎻 <live>');
  });
});

describe('fallbacks and details', () => {
  it('ERN 3 without resource groups: the release reference list order, one disc', () => {
    const spec = sampleRelease({ family: '3.8.2', tracks: 3 });
    spec.tracks[0]!.trackNumber = 3; // would reorder if the group were still read
    const xml = ernMessage(spec).replace(/<ResourceGroup>.*?<\/ResourceGroup>/, '');
    expect(xml).not.toContain('<ResourceGroup>');
    const model = release(xml);
    expect(model.tracks.map((t) => [t.discNumber, t.trackNumber, t.isrc])).toEqual([
      [1, 1, 'GBCAD2600001'],
      [1, 2, 'GBCAD2600002'],
      [1, 3, 'GBCAD2600003'],
    ]);
  });

  it('ERN 4 without a release date takes the first deal start', () => {
    const spec = sampleRelease({ family: '4.3', tracks: 1, deals: [
      { release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], start: '2027-01-15' },
      { release: 'main', commercialModels: ['AdvertisementSupportedModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], start: '2026-12-24' },
    ] });
    delete spec.release.releaseDate;
    const model = release(ernMessage(spec));
    expect(model.release.releaseDate).toBe('2026-12-24');
  });

  it('a release date of a year only is read as its first day, with a warning', () => {
    const spec = sampleRelease({ family: '4.3', tracks: 1 });
    spec.release.releaseDate = '2026';
    const result = readErnMessage(ernMessage(spec));
    expect(result.ok && result.model.kind === 'release' && result.model.release.releaseDate).toBe('2026-01-01');
    expect(result.problems).toEqual([expect.objectContaining({ code: 'BAD_DATE', severity: 'warning', path: '/NewReleaseMessage/ReleaseList/Release/ReleaseDate' })]);
  });

  it('no FrontCoverImage: no cover, and a warning', () => {
    const result = readErnMessage(ernMessage(sampleRelease({ family: '3.8.2', tracks: 1, cover: false })));
    expect(result.ok && result.model.kind === 'release' && result.model.cover).toBeNull();
    expect(result.problems).toEqual([expect.objectContaining({ code: 'MISSING', severity: 'warning', message: 'no FrontCoverImage: the release will have no cover' })]);
  });

  it('ERN 3: the Worldwide details block wins over a territory-specific one, whatever the order', () => {
    const xml = ernMessage(sampleRelease({ family: '3.8.2', tracks: 1 })).replace(
      '<SoundRecordingDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>',
      '<SoundRecordingDetailsByTerritory><TerritoryCode>JP</TerritoryCode><Title TitleType="DisplayTitle"><TitleText>第1楽章</TitleText></Title><ParentalWarningType>Explicit</ParentalWarningType></SoundRecordingDetailsByTerritory><SoundRecordingDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>',
    );
    expect(xml).toContain('第1楽章');
    const track = release(xml).tracks[0]!;
    expect(track.title).toBe('Movement 1');
    expect(track.explicit).toBe(false);
  });

  it('a UserDefined role is named by its UserDefinedValue', () => {
    const xml = ernMessage(sampleRelease({ family: '4.3', tracks: 1 })).replace('<Role>Producer</Role>', '<Role UserDefinedValue="StringArranger">UserDefined</Role>');
    expect(release(xml).tracks[0]!.artistRoles).toContainEqual({ name: 'Mara Holm', role: 'StringArranger' });
  });

  it('only a DisplayArtistName: it is the artist', () => {
    const original = ernMessage(sampleRelease({ family: '4.3', tracks: 1 }));
    const xml = original
      .replace('<DisplayArtistName>Ilse Varga</DisplayArtistName><DisplayArtist SequenceNumber="1"><ArtistPartyReference>P2</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist><Contributor', '<DisplayArtistName>Ilse Varga &amp; Friends</DisplayArtistName><Contributor');
    expect(xml).not.toBe(original);
    expect(release(xml).tracks[0]!.artists).toEqual(['Ilse Varga & Friends']);
  });
});
