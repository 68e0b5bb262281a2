// ERN as real label and distributor tools write it. Each row takes a message the fixtures write
// (fixtures/ddex-messages.ts) and rewrites it into another valid spelling of the same standard
// (learned from the ERN 3.8.2 and 4.3 schemas and the DDEX sample messages; written here from
// that structure), then asserts what it must map to: the same release as the plain message, or
// the specific titles, order, discs, artists, explicit flags and rights the variation carries.
// Every rewrite must change the message (`edit` throws otherwise), so no row passes by accident.
// The last table holds variations that are not valid ERN: they stay refused, at their element.

import { describe, expect, it } from 'vitest';
import { ernMessage, prettyXml as pretty, sampleRelease, toUtf16, type ErnFamily, type ErnMessageSpec } from '../fixtures/ddex-messages.ts';
import { readErnMessage } from './read-ern.ts';
import type { DdexProblem, DdexTrack, ReleaseDeliveryModel } from './types.ts';

const M = '/NewReleaseMessage';

/** Replaces `from` (every match when it is a global RegExp); throws when nothing matched. */
function edit(xml: string, from: string | RegExp, to: string | ((match: string, ...groups: string[]) => string)): string {
  const changed = typeof to === 'string' ? xml.replace(from, to) : xml.replace(from, to);
  if (changed === xml) throw new Error(`the fixture does not contain ${String(from)}`);
  return changed;
}

interface Build {
  tracks?: number;
  discs?: number;
  spec?: (spec: ErnMessageSpec) => void;
  xml?: (xml: string) => string;
}

function message(family: ErnFamily, { tracks = 3, discs, spec, xml }: Build = {}): string {
  const s = sampleRelease({ family, tracks, discs });
  spec?.(s);
  const text = ernMessage(s);
  return xml ? xml(text) : text;
}

function read(input: string | Uint8Array): ReleaseDeliveryModel {
  const result = readErnMessage(input);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.problems, null, 2)}`);
  expect(result.model.kind).toBe('release');
  return result.model as ReleaseDeliveryModel;
}

function errors(input: string): DdexProblem[] {
  const result = readErnMessage(input);
  expect(result.ok).toBe(false);
  return result.problems.filter((p) => p.severity === 'error');
}

/** What a listener and the catalog see: everything but the element paths. */
function essentials(model: ReleaseDeliveryModel): unknown {
  const track = ({ location: _l, master, ...rest }: DdexTrack) => ({ ...rest, master: { path: master.path, hash: master.hash } });
  return { message: model.message, release: model.release, tracks: model.tracks.map(track), cover: model.cover && { path: model.cover.path, hash: model.cover.hash }, takedown: model.takedown };
}

const titles = (model: ReleaseDeliveryModel) => model.tracks.map((t) => t.title);
const order = (model: ReleaseDeliveryModel) => model.tracks.map((t) => `${t.discNumber}-${t.trackNumber} ${t.isrc}`);

interface Row {
  name: string;
  build: Build | (() => string | Uint8Array);
  /** Without a check, the message must map exactly as the plain one does. */
  check?: (model: ReleaseDeliveryModel, plain: ReleaseDeliveryModel) => void;
}

function run(family: ErnFamily, rows: Row[]): void {
  it.each(rows)('$name', ({ build, check }) => {
    const input = typeof build === 'function' ? build() : message(family, build);
    const model = read(input);
    const plain = read(message(family, typeof build === 'function' ? {} : { tracks: build.tracks, discs: build.discs }));
    if (check) check(model, plain);
    else expect(essentials(model)).toEqual(essentials(plain));
  });
}

// Both families --------------------------------------------------------------------------------

describe.each(['3.8.2', '4.3'] as const)('ERN %s: spellings every sender may use', (family) => {
  const ern3 = family === '3.8.2';
  const namespace = ern3 ? 'http://ddex.net/xml/ern/382' : 'http://ddex.net/xml/ern/43';
  run(family, [
    {
      name: 'ern: prefix on the root only, children unprefixed (the usual form)',
      build: {},
      check: (model) => {
        expect(message(family)).toMatch(/^<\?xml[^>]*>\n<ern:NewReleaseMessage xmlns:ern="[^"]+"[^>]*><MessageHeader>/);
        expect(model.message.ernVersion).toBe(family);
        expect(model.release.title).toBe('Aurora & Other Lights');
      },
    },
    { name: 'a default namespace, no prefix anywhere', build: { spec: (s) => (s.prefix = '') } },
    {
      name: 'another prefix (ns2:) on every element',
      build: { xml: (x) => edit(edit(x, /<(\/?)(?:ern:)?([A-Z][A-Za-z]*)([ >])/g, '<$1ns2:$2$3'), 'xmlns:ern=', 'xmlns:ns2=') },
    },
    {
      name: 'xsi:schemaLocation, ReleaseProfileVersionId, AvsVersionId, LanguageAndScriptCode and xml:lang',
      build: {
        xml: (x) =>
          edit(
            edit(
              x.replace(' ReleaseProfileVersionId="Audio"', ''),
              'LanguageAndScriptCode="en"',
              `LanguageAndScriptCode="en" xsi:schemaLocation="${namespace} ${namespace}/release-notification.xsd" AvsVersionId="4" ReleaseProfileVersionId="${ern3 ? 'CommonReleaseTypes/14/AudioAlbumMusicOnly' : 'Audio'}"`,
            ),
            /<TitleText>/g,
            '<TitleText xml:lang="en" LanguageAndScriptCode="en-Latn">',
          ),
      },
    },
    {
      name: 'MessageSchemaVersionId with a leading slash (/ern/382, /ern/43)',
      build: { xml: (x) => (ern3 ? edit(x, 'MessageSchemaVersionId="ern/382"', 'MessageSchemaVersionId="/ern/382"') : edit(x, 'LanguageAndScriptCode="en"', 'MessageSchemaVersionId="/ern/43" LanguageAndScriptCode="en"')) },
    },
    { name: 'pretty-printed: whitespace and newlines around every value', build: { xml: pretty } },
    { name: 'pretty-printed in UTF-16 LE with a BOM', build: () => toUtf16(pretty(message(family))) },
    { name: 'pretty-printed in UTF-16 BE with a BOM', build: () => toUtf16(pretty(message(family)), { endian: 'be' }) },
    { name: 'UTF-8 with a BOM, as bytes', build: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(message(family))]) },
    { name: 'UTF-8 with a BOM, already decoded to a string', build: () => `\uFEFF${message(family)}` },
    {
      name: 'titles in CDATA (spaces around it kept), with &amp; and character references',
      build: {
        spec: (s) => {
          s.tracks[0]!.title = 'TITLE_ONE';
          s.tracks[1]!.title = 'TITLE_TWO';
        },
        xml: (x) => edit(edit(x, /TITLE_ONE/g, 'Rock <![CDATA[&]]> Roll'), /TITLE_TWO/g, '\n   <![CDATA[Salt & <Pepper>]]>\n   '),
      },
      check: (model) => {
        expect(titles(model)).toEqual(['Rock & Roll', 'Salt & <Pepper>', 'Movement 3']);
        expect(model.release.title).toBe('Aurora & Other Lights');
      },
    },
    {
      name: 'durations PT3M25S, PT0H3M25.500S, PT185S and P0Y0M0DT0H3M25S',
      build: {
        tracks: 4,
        spec: (s) => ['PT3M25S', 'PT0H3M25.500S', 'PT185S', 'P0Y0M0DT0H3M25S'].forEach((d, i) => (s.tracks[i]!.duration = d)),
      },
      check: (model) => expect(model.tracks.map((t) => t.durationSeconds)).toEqual([205, 205.5, 185, 205]),
    },
    {
      name: 'ParentalWarningType Explicit / NotExplicit / ExplicitContentEdited / NoAdviceAvailable / Unknown',
      build: {
        tracks: 5,
        xml: (x) => {
          let n = 0;
          const values = ['Explicit', 'NotExplicit', 'ExplicitContentEdited', 'NoAdviceAvailable', 'Unknown'];
          return edit(x, /<ParentalWarningType>[A-Za-z]+<\/ParentalWarningType>/g, () => `<ParentalWarningType>${values[n++]}</ParentalWarningType>`);
        },
      },
      check: (model) => expect(model.tracks.map((t) => t.explicit)).toEqual([true, false, false, false, false]),
    },
    {
      name: 'UseType OnDemandStream / Stream / NonInteractiveStream under each commercial model',
      build: {
        spec: (s) =>
          (s.deals = [
            { release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['PermanentDownload', 'NonInteractiveStream'], territories: ['Worldwide'] },
            { release: 'main', commercialModels: ['AdvertisementSupportedModel'], useTypes: ['Stream'], territories: ['Worldwide'] },
            { release: 1, commercialModels: ['FreeOfChargeModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'] },
          ]),
      },
      check: (model) => expect(model.tracks.map((t) => t.rights.tiers)).toEqual([['free', 'hifi', 'premium'], null, ['free', 'hifi', 'premium']]),
    },
    {
      name: 'ValidityPeriod StartDate and EndDate (the end date is the last day)',
      build: { spec: (s) => (s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], start: '2026-12-10', end: '2027-06-30' }]) },
      check: (model) => expect(model.tracks[0]!.rights).toMatchObject({ startsAt: '2026-12-10T00:00:00.000Z', endsAt: '2027-07-01T00:00:00.000Z' }),
    },
    {
      name: 'ValidityPeriod StartDateTime with a zone',
      build: {
        spec: (s) => (s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], start: 'START' }]),
        xml: (x) => edit(x, '<StartDate>START</StartDate>', '<StartDateTime>2026-12-10T09:30:00+01:00</StartDateTime>'),
      },
      check: (model) => expect(model.tracks[0]!.rights.startsAt).toBe('2026-12-10T08:30:00.000Z'),
    },
    {
      name: 'TakeDown true',
      build: { spec: (s) => (s.deals = [{ release: 'main', commercialModels: [], useTypes: [], territories: ['Worldwide'], takedown: true }]) },
      check: (model) => {
        expect(model.takedown).toMatchObject({ source: 'ddex', messageId: 'MSG-26-3-new' });
        expect(model.tracks.every((t) => t.takedown !== null && t.rights.tiers?.length === 0)).toBe(true);
      },
    },
    {
      name: 'Worldwide with ExcludedTerritoryCode',
      build: { spec: (s) => (s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: ['Worldwide'], excluded: ['FR'] }]) },
      check: (model) => expect(model.tracks[0]!.rights).toMatchObject({ territories: ['WW'], excludedTerritories: ['FR'], tiers: ['hifi', 'premium'] }),
    },
    {
      name: 'ExcludedTerritoryCode alone: everywhere but those',
      build: {
        spec: (s) => (s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: [], excluded: ['FR', 'DE'] }]),
      },
      check: (model) => {
        expect(model.tracks[0]!.rights).toMatchObject({ territories: ['WW'], excludedTerritories: ['FR', 'DE'], tiers: ['hifi', 'premium'] });
        expect(model.release.territories).toEqual(['WW']);
      },
    },
    {
      name: `hash algorithms as ${ern3 ? 'ERN 3' : 'ERN 4'} spells them`,
      build: {
        tracks: 4,
        spec: (s) => {
          const spellings = ern3 ? ['MD5', 'SHA1', 'SHA256', 'SHA512'] : ['MD5', 'SHA-1', 'SHA-256', 'SHA2'];
          const lengths = [32, 40, 64, ern3 ? 128 : 64];
          spellings.forEach((algorithm, i) => (s.tracks[i]!.hash = { algorithm, value: 'AB'.repeat(lengths[i]! / 2) }));
        },
      },
      check: (model) =>
        expect(model.tracks.map((t) => t.master.hash)).toEqual([
          { algorithm: 'MD5', value: 'ab'.repeat(16) },
          { algorithm: 'SHA-1', value: 'ab'.repeat(20) },
          { algorithm: 'SHA-256', value: 'ab'.repeat(32) },
          ern3 ? { algorithm: 'SHA-512', value: 'ab'.repeat(64) } : { algorithm: 'SHA-256', value: 'ab'.repeat(32) },
        ]),
    },
    {
      name: 'a UserDefined hash algorithm naming one we check',
      build: {
        spec: (s) => (s.tracks[0]!.hash = { algorithm: 'ALGO', value: 'cd'.repeat(32) }),
        xml: (x) => edit(x, />ALGO</, ' UserDefinedValue="SHA-256">UserDefined<'),
      },
      check: (model) => expect(model.tracks[0]!.master.hash).toEqual({ algorithm: 'SHA-256', value: 'cd'.repeat(32) }),
    },
    {
      name: 'a hash value in base64 (DataType Binary64)',
      build: {
        spec: (s) => (s.tracks[0]!.hash = { algorithm: 'MD5', value: 'B64VALUE' }),
        xml: (x) =>
          edit(
            x,
            ern3 ? /<HashSum>B64VALUE<\/HashSum><HashSumAlgorithmType>MD5<\/HashSumAlgorithmType>/ : /<Algorithm>MD5<\/Algorithm><HashSumValue>B64VALUE<\/HashSumValue>/,
            ern3
              ? `<HashSum>${Buffer.from('ab'.repeat(16), 'hex').toString('base64')}</HashSum><HashSumAlgorithmType>MD5</HashSumAlgorithmType><HashSumDataType>Binary64</HashSumDataType>`
              : `<Algorithm>MD5</Algorithm><DataType>Binary64</DataType><HashSumValue>${Buffer.from('ab'.repeat(16), 'hex').toString('base64')}</HashSumValue>`,
          ),
      },
      check: (model) => expect(model.tracks[0]!.master.hash).toEqual({ algorithm: 'MD5', value: 'ab'.repeat(16) }),
    },
    {
      name: 'a TakeDown for everywhere but some territories: down everywhere, with a warning',
      build: { spec: (s) => (s.deals = [{ release: 'main', commercialModels: [], useTypes: [], territories: [], excluded: ['FR'], takedown: true }]) },
      check: (model) => {
        expect(model.takedown).not.toBeNull();
        const result = readErnMessage(message(family, { spec: (s) => (s.deals = [{ release: 'main', commercialModels: [], useTypes: [], territories: [], excluded: ['FR'], takedown: true }]) }));
        expect(result.problems).toContainEqual(expect.objectContaining({ code: 'APPROXIMATED', severity: 'warning', path: `${M}/DealList/ReleaseDeal/Deal/DealTerms`, message: expect.stringContaining('but FR') }));
      },
    },
    {
      name: 'a FrontCoverImage described but not delivered (no technical details): no cover, a warning',
      build: { xml: (x) => edit(x, ern3 ? /<TechnicalImageDetails>.*?<\/TechnicalImageDetails>/ : /<TechnicalDetails><TechnicalResourceDetailsReference>T0<\/TechnicalResourceDetailsReference>.*?<\/TechnicalDetails>/, '') },
      check: (model, plain) => {
        expect(model.cover).toBeNull();
        expect(model.tracks).toEqual(plain.tracks);
        const result = readErnMessage(message(family, { xml: (x) => edit(x, ern3 ? /<TechnicalImageDetails>.*?<\/TechnicalImageDetails>/ : /<TechnicalDetails><TechnicalResourceDetailsReference>T0<\/TechnicalResourceDetailsReference>.*?<\/TechnicalDetails>/, '') }));
        expect(result.problems).toEqual([expect.objectContaining({ code: 'NO_FILE', severity: 'warning', path: `${M}/ResourceList/Image` })]);
      },
    },
    {
      name: 'ICPN written as a 14-digit GTIN: the UPC it wraps, the same release as the 12-digit form',
      build: { xml: (x) => edit(x, '<ICPN>012345678905</ICPN>', '<ICPN>00012345678905</ICPN>') },
    },
    {
      name: 'content items without SequenceNumber: document order',
      build: {
        spec: (s) => {
          // Document order A3, A1, A2: the numbers the items would have carried are dropped.
          const [a, b, c] = s.tracks;
          s.tracks = [c!, a!, b!];
        },
        xml: (x) => edit(x, /<ResourceGroupContentItem><SequenceNumber>\d+<\/SequenceNumber>/g, '<ResourceGroupContentItem>'),
      },
      check: (model) => expect(model.tracks.map((t) => [t.trackNumber, t.title])).toEqual([[1, 'Movement 3'], [2, 'Movement 1'], [3, 'Movement 2']]),
    },
    {
      name: 'a disc group per disc, written disc 2 first: numbered by SequenceNumber',
      build: {
        tracks: 4,
        discs: 2,
        spec: (s) => (s.tracks = [s.tracks[2]!, s.tracks[3]!, s.tracks[0]!, s.tracks[1]!]),
      },
      check: (model) => expect(order(model)).toEqual(['1-1 GBCAD2600001', '1-2 GBCAD2600002', '2-1 GBCAD2600003', '2-2 GBCAD2600004']),
    },
    {
      name: 'the cover as a content item of an outer group around disc groups without SequenceNumber',
      build: {
        tracks: 4,
        discs: 2,
        xml: (x) => {
          const noDiscNumbers = edit(x, /<ResourceGroup><SequenceNumber>\d<\/SequenceNumber>/g, '<ResourceGroup>');
          const coverItem = `<ResourceGroupContentItem><SequenceNumber>1</SequenceNumber>${ern3 ? '<ResourceType>Image</ResourceType>' : ''}<ReleaseResourceReference>A0</ReleaseResourceReference></ResourceGroupContentItem>`;
          return edit(noDiscNumbers, /<ResourceGroup><ResourceGroup>/, `<ResourceGroup>${coverItem}<ResourceGroup>`);
        },
      },
      check: (model) => {
        expect(order(model)).toEqual(['1-1 GBCAD2600001', '1-2 GBCAD2600002', '2-1 GBCAD2600003', '2-2 GBCAD2600004']);
        expect(model.cover?.path).toBe('resources/cover.jpg');
      },
    },
  ]);
});

// ERN 3.8.2 ------------------------------------------------------------------------------------

const DETAILS_1 = '<SoundRecordingDetailsByTerritory><TerritoryCode>Worldwide</TerritoryCode>';

describe('ERN 3.8.2 as senders write it', () => {
  run('3.8.2', [
    {
      name: 'details for several territories, none Worldwide: the first block, for every field alike',
      build: {
        tracks: 1,
        xml: (x) => {
          const first = edit(x, DETAILS_1, '<SoundRecordingDetailsByTerritory><TerritoryCode>US</TerritoryCode><TerritoryCode>CA</TerritoryCode>');
          // A second block for Germany with another title, artist and warning.
          return edit(
            first,
            '</SoundRecordingDetailsByTerritory>',
            '</SoundRecordingDetailsByTerritory><SoundRecordingDetailsByTerritory><TerritoryCode>DE</TerritoryCode><Title TitleType="DisplayTitle"><TitleText>Satz 1</TitleText></Title><DisplayArtist><PartyName><FullName>Ilse V.</FullName></PartyName><ArtistRole>MainArtist</ArtistRole></DisplayArtist><ParentalWarningType>Explicit</ParentalWarningType></SoundRecordingDetailsByTerritory>',
          );
        },
      },
      check: (model, plain) => {
        expect(model.tracks[0]).toMatchObject({ title: 'Movement 1', artists: ['Ilse Varga'], explicit: false, master: { path: 'resources/001.flac' } });
        expect(essentials(model)).toEqual(essentials(plain));
      },
    },
    {
      name: 'the Worldwide block wins over territory blocks written before it',
      build: {
        tracks: 1,
        xml: (x) =>
          edit(
            x,
            DETAILS_1,
            '<SoundRecordingDetailsByTerritory><TerritoryCode>JP</TerritoryCode><Title TitleType="DisplayTitle"><TitleText>第1楽章</TitleText></Title><ParentalWarningType>Explicit</ParentalWarningType></SoundRecordingDetailsByTerritory>' + DETAILS_1,
          ),
      },
    },
    {
      name: 'titles: ReferenceTitle only; FormalTitle only; an untyped Title; DisplayTitle over FormalTitle',
      build: {
        tracks: 4,
        xml: (x) => {
          let n = 0;
          return edit(x, /<Title TitleType="DisplayTitle"><TitleText>Movement (\d)<\/TitleText><\/Title>/g, (_all, digit: string) => {
            n += 1;
            if (n === 1) return '';
            if (n === 2) return `<Title TitleType="FormalTitle"><TitleText>Formal ${digit}</TitleText></Title>`;
            if (n === 3) return `<Title><TitleText>Plain ${digit}</TitleText></Title>`;
            return `<Title TitleType="FormalTitle"><TitleText>Formal ${digit}</TitleText></Title><Title TitleType="DisplayTitle"><TitleText>Display ${digit}</TitleText><SubTitle>Live</SubTitle></Title>`;
          });
        },
      },
      check: (model) => {
        expect(titles(model)).toEqual(['Movement 1', 'Formal 2', 'Plain 3', 'Display 4']);
        expect(model.tracks[3]!.subtitle).toBe('Live');
      },
    },
    {
      name: 'IsMainRelease="true" names the main release even beside another album-typed release',
      build: { xml: (x) => edit(x, '<ReleaseType>TrackRelease</ReleaseType>', '<ReleaseType>Single</ReleaseType>') },
      check: (model) => {
        expect(model.release).toMatchObject({ title: 'Aurora & Other Lights', releaseType: 'EP', upc: '012345678905' });
        expect(model.tracks).toHaveLength(3);
      },
    },
    {
      name: 'IsMainRelease="1" (xs:boolean), track releases typed Single and marked IsMainRelease="false"',
      build: {
        xml: (x) =>
          edit(edit(edit(x, 'IsMainRelease="true"', 'IsMainRelease="1"'), /<Release><ReleaseId><ISRC>/g, '<Release IsMainRelease="false"><ReleaseId><ISRC>'), /<ReleaseType>TrackRelease<\/ReleaseType>/g, '<ReleaseType>Single</ReleaseType>'),
      },
      check: (model) => expect(model.release).toMatchObject({ title: 'Aurora & Other Lights', releaseType: 'EP' }),
    },
    {
      name: 'no IsMainRelease: the release typed Album (or a box set), not its track releases',
      build: { tracks: 12, xml: (x) => edit(edit(x, '<Release IsMainRelease="true">', '<Release>'), '<ReleaseType>Album</ReleaseType>', '<ReleaseType>DigitalBoxSetRelease</ReleaseType>') },
      check: (model) => expect(model.release).toMatchObject({ title: 'Aurora & Other Lights', releaseType: 'DigitalBoxSetRelease' }),
    },
    {
      name: 'ReleaseResourceReferenceList order when there is no ResourceGroup',
      build: { xml: (x) => edit(x, /<ResourceGroup>.*?<\/ResourceGroup>/, '') },
    },
    {
      name: 'a ResourceGroupResourceReferenceList instead of content items',
      build: {
        xml: (x) =>
          edit(
            x,
            /<ResourceGroup>.*?<\/ResourceGroup>/,
            '<ResourceGroup><ResourceGroupResourceReferenceList><ResourceGroupResourceReference>A2</ResourceGroupResourceReference><ResourceGroupResourceReference>A1</ResourceGroupResourceReference><ResourceGroupResourceReference>A3</ResourceGroupResourceReference></ResourceGroupResourceReferenceList></ResourceGroup>',
          ),
      },
      check: (model) => expect(order(model)).toEqual(['1-1 GBCAD2600002', '1-2 GBCAD2600001', '1-3 GBCAD2600003']),
    },
    {
      name: 'FilePath without a trailing slash, with ./, and file names with spaces and % (names, not URIs)',
      build: {
        xml: (x) => {
          let n = 0;
          const files = [
            '<FileName>001.flac</FileName><FilePath>resources</FilePath>',
            '<FileName>100% Live.flac</FileName><FilePath>./resources/</FilePath>',
            '<FileName>Tr%C3%A4ck 3.flac</FileName><FilePath>resources/disc 1/</FilePath>',
          ];
          return edit(x, /<FileName>\d{3}\.flac<\/FileName><FilePath>resources\/<\/FilePath>/g, () => files[n++]!);
        },
      },
      check: (model) => expect(model.tracks.map((t) => t.master.path)).toEqual(['resources/001.flac', 'resources/100% Live.flac', 'resources/disc 1/Tr%C3%A4ck 3.flac']),
    },
    {
      name: 'SoundRecordingId and ReleaseId split over several elements',
      build: {
        xml: (x) =>
          edit(
            edit(x, '<SoundRecordingId><ISRC>GBCAD2600001</ISRC></SoundRecordingId>', '<SoundRecordingId><ProprietaryId Namespace="DPID:PADPIDA2026120301X">T-1</ProprietaryId></SoundRecordingId><SoundRecordingId><ISRC>GBCAD2600001</ISRC></SoundRecordingId>'),
            '<ReleaseId><GRid>A12425GABC1234002M</GRid><ICPN>012345678905</ICPN></ReleaseId>',
            '<ReleaseId><GRid>A12425GABC1234002M</GRid></ReleaseId><ReleaseId><ICPN>012345678905</ICPN></ReleaseId><ReleaseId><ProprietaryId Namespace="DPID:PADPIDA2026120301X">NL-1</ProprietaryId></ReleaseId>',
          ),
      },
      check: (model) => {
        expect(model.tracks[0]!.isrc).toBe('GBCAD2600001');
        expect(model.release.ids).toMatchObject({ icpn: '012345678905', grid: 'A12425GABC1234002M', proprietary: [{ namespace: 'DPID:PADPIDA2026120301X', value: 'NL-1' }] });
        expect(model.release.key).toBe('012345678905');
        // Every id of every ReleaseId names the release (pipeline/ddex-release-ids.ts), the key first.
        expect(model.release.ids.knownAs).toEqual([
          { id: '012345678905', location: '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId[2]/ICPN' },
          { id: 'grid:A12425GABC1234002M', location: '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId[1]/GRid' },
          { id: 'proprietary:PADPIDA2026120301X:NL-1', location: '/NewReleaseMessage/ReleaseList/Release[1]/ReleaseId[3]/ProprietaryId' },
        ]);
      },
    },
    {
      name: 'composers and lyricists listed as DisplayArtist: credits, not display artists',
      build: {
        tracks: 1,
        xml: (x) =>
          edit(
            x,
            '<ArtistRole>MainArtist</ArtistRole></DisplayArtist><LabelName>',
            '<ArtistRole>MainArtist</ArtistRole></DisplayArtist><DisplayArtist SequenceNumber="2"><PartyName><FullName>Jean Sibelius</FullName></PartyName><ArtistRole>Composer</ArtistRole><ArtistRole>Lyricist</ArtistRole></DisplayArtist><DisplayArtist SequenceNumber="3"><PartyName><FullName>Orkester Norr</FullName></PartyName><ArtistRole>AssociatedPerformer</ArtistRole></DisplayArtist><LabelName>',
          ),
      },
      check: (model) => {
        expect(model.tracks[0]!.artists).toEqual(['Ilse Varga', 'Orkester Norr']);
        expect(model.tracks[0]!.artistRoles).toEqual(
          expect.arrayContaining([
            { name: 'Jean Sibelius', role: 'Composer' },
            { name: 'Jean Sibelius', role: 'Lyricist' },
            { name: 'Orkester Norr', role: 'AssociatedPerformer' },
          ]),
        );
      },
    },
    {
      name: "a GlobalReleaseDate beats a reissue's OriginalReleaseDate",
      build: { xml: (x) => edit(edit(x, '<OriginalReleaseDate>2026-11-01</OriginalReleaseDate>', '<OriginalReleaseDate>1975-03-01</OriginalReleaseDate>'), '</CLine></Release>', '</CLine><GlobalReleaseDate>2026-11-20</GlobalReleaseDate></Release>') },
      check: (model) => expect(model.release.releaseDate).toBe('2026-11-20'),
    },
  ]);
});

// ERN 4.3 --------------------------------------------------------------------------------------

describe('ERN 4.3 as senders write it', () => {
  run('4.3', [
    {
      name: 'ISRC, P line and file inside SoundRecordingEdition (the 4.3 schema)',
      build: { spec: (s) => (s.editions = true) },
      check: (model, plain) => {
        expect(message('4.3', { spec: (s) => (s.editions = true) })).toContain('<SoundRecordingEdition><ResourceId><ISRC>GBCAD2600001</ISRC>');
        expect(essentials(model)).toEqual(essentials(plain));
        expect(model.tracks[0]!.master.location).toBe(`${M}/ResourceList/SoundRecording[1]/SoundRecordingEdition/TechnicalDetails/DeliveryFile/File`);
      },
    },
    {
      name: 'an immersive edition first, then the stereo one: the stereo file is the master',
      build: {
        tracks: 1,
        spec: (s) => (s.editions = true),
        xml: (x) =>
          edit(
            x,
            '<SoundRecordingEdition>',
            `<SoundRecordingEdition><Type>ImmersiveEdition</Type><ResourceId><ISRC>GBCAD2600001</ISRC></ResourceId><TechnicalDetails><TechnicalResourceDetailsReference>T9</TechnicalResourceDetailsReference><DeliveryFile><Type>AudioFile</Type><File><URI>resources/001.atmos.wav</URI><HashSum><Algorithm>MD5</Algorithm><HashSumValue>${'e'.repeat(32)}</HashSumValue></HashSum></File></DeliveryFile></TechnicalDetails></SoundRecordingEdition><SoundRecordingEdition><Type>NonImmersiveEdition</Type>`,
          ),
      },
      check: (model) => expect(model.tracks[0]!.master).toMatchObject({ path: 'resources/001.flac', location: `${M}/ResourceList/SoundRecording/SoundRecordingEdition[2]/TechnicalDetails/DeliveryFile/File` }),
    },
    {
      name: 'DisplayTitle only (no DisplayTitleText), several languages: the IsDefault one',
      build: {
        tracks: 1,
        xml: (x) =>
          edit(
            edit(x, '<DisplayTitleText>Movement 1</DisplayTitleText><DisplayTitle><TitleText>Movement 1</TitleText></DisplayTitle>', '<DisplayTitle LanguageAndScriptCode="ja-Jpan" ApplicableTerritoryCode="Worldwide"><TitleText>第1楽章</TitleText></DisplayTitle><DisplayTitle ApplicableTerritoryCode="Worldwide" IsDefault="true"><TitleText>Movement 1</TitleText><SubTitle SubTitleType="Version">Live</SubTitle></DisplayTitle>'),
            '<DisplayTitleText>Borealis</DisplayTitleText>',
            '<DisplayTitleText LanguageAndScriptCode="ja-Jpan">北極光</DisplayTitleText><DisplayTitleText IsDefault="true">Borealis</DisplayTitleText>',
          ),
      },
      check: (model) => {
        expect(model.tracks[0]).toMatchObject({ title: 'Movement 1', subtitle: 'Live' });
        expect(model.release.title).toBe('Borealis');
      },
    },
    {
      name: 'PartyList artists by ArtistPartyReference, several PartyNames per party: the first (unscripted) name',
      build: { tracks: 1, xml: (x) => edit(x, '<PartyName><FullName>Ilse Varga</FullName></PartyName>', '<PartyName><FullName>Ilse Varga</FullName><FullNameIndexed>Varga, Ilse</FullNameIndexed></PartyName><PartyName LanguageAndScriptCode="ja-Kana"><FullName>イルセ・ヴァルガ</FullName></PartyName>') },
    },
    {
      name: 'TrackReleases beside the main Release: only the Release is the album',
      build: { tracks: 12 },
      check: (model) => {
        expect(model.release).toMatchObject({ title: 'Aurora & Other Lights', releaseType: 'Album' });
        expect(model.tracks.map((t) => t.trackNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      },
    },
    {
      name: 'file URIs: a bare name, a relative file: URI, %-escaped spaces',
      build: {
        xml: (x) => edit(edit(edit(x, '<URI>resources/001.flac</URI>', '<URI>001.flac</URI>'), '<URI>resources/002.flac</URI>', '<URI>file:resources/002.flac</URI>'), '<URI>resources/003.flac</URI>', '<URI>resources/Track%203.flac</URI>'),
      },
      check: (model) => expect(model.tracks.map((t) => t.master.path)).toEqual(['001.flac', 'resources/002.flac', 'resources/Track 3.flac']),
    },
    {
      name: 'ParentalWarningType per territory: the Worldwide one decides, as for titles',
      build: {
        tracks: 2,
        xml: (x) =>
          edit(
            edit(x, '<ParentalWarningType>NotExplicit</ParentalWarningType>', '<ParentalWarningType ApplicableTerritoryCode="US">Explicit</ParentalWarningType><ParentalWarningType ApplicableTerritoryCode="Worldwide">NotExplicit</ParentalWarningType>'),
            '<ParentalWarningType>NotExplicit</ParentalWarningType>',
            '<ParentalWarningType ApplicableTerritoryCode="Worldwide">Explicit</ParentalWarningType><ParentalWarningType ApplicableTerritoryCode="US">ExplicitContentEdited</ParentalWarningType>',
          ),
      },
      check: (model) => expect(model.tracks.map((t) => t.explicit)).toEqual([false, true]),
    },
    {
      name: 'ReleaseDate per territory: the Worldwide one',
      build: { tracks: 1, xml: (x) => edit(x, '<ReleaseDate>2026-11-01</ReleaseDate>', '<ReleaseDate ApplicableTerritoryCode="JP">2026-10-15</ReleaseDate><ReleaseDate ApplicableTerritoryCode="Worldwide">2026-11-01</ReleaseDate>') },
      check: (model) => expect(model.release.releaseDate).toBe('2026-11-01'),
    },
    {
      name: 'IsSupplemental recordings (a mix\'s sources, described, not delivered) are no tracks',
      build: {
        xml: (x) =>
          edit(
            x,
            '</ResourceList>',
            '<SoundRecording IsSupplemental="true"><ResourceReference>A90</ResourceReference><Type>MusicalWorkSoundRecording</Type><SoundRecordingEdition><ResourceId><ProprietaryId Namespace="DPID:PADPIDA2026120301X">SRC-1</ProprietaryId></ResourceId></SoundRecordingEdition><DisplayTitleText>Source</DisplayTitleText><DisplayTitle><TitleText>Source</TitleText></DisplayTitle><DisplayArtistName>Someone Else</DisplayArtistName><DisplayArtist SequenceNumber="1"><ArtistPartyReference>P2</ArtistPartyReference><DisplayArtistRole>MainArtist</DisplayArtistRole></DisplayArtist><Duration>PT1M16S</Duration><ParentalWarningType>NotExplicit</ParentalWarningType></SoundRecording></ResourceList>',
          ),
      },
      check: (model, plain) => expect(essentials(model)).toEqual(essentials(plain)),
    },
    {
      name: 'ReleaseLabelReference per territory: the Worldwide one',
      build: {
        tracks: 1,
        xml: (x) =>
          edit(
            edit(x, '<ReleaseLabelReference>P1</ReleaseLabelReference><PLine>', '<ReleaseLabelReference ApplicableTerritoryCode="JP">P9</ReleaseLabelReference><ReleaseLabelReference ApplicableTerritoryCode="Worldwide">P1</ReleaseLabelReference><PLine>'),
            '</PartyList>',
            '<Party><PartyReference>P9</PartyReference><PartyName><FullName>Hokkyoku Records</FullName></PartyName></Party></PartyList>',
          ),
      },
      check: (model) => expect(model.release.label).toBe('Northern Lights Records'),
    },
    {
      name: 'several ReleaseType values (Album and a UserDefined one)',
      build: { tracks: 12, xml: (x) => edit(x, '<ReleaseType>Album</ReleaseType>', '<ReleaseType UserDefinedValue="DeluxeEdition">UserDefined</ReleaseType><ReleaseType>Album</ReleaseType>') },
      check: (model) => expect(model.release.releaseType).toBe('Album'),
    },
  ]);
});

describe.each(['3.8.2', '4.3'] as const)('ERN %s purge', (family) => {
  it('a PurgedRelease with its ids in several ReleaseId elements: known by its ICPN', () => {
    const xml = edit(
      message(family, { tracks: 1, spec: (s) => (s.kind = 'purge') }),
      '<ReleaseId><GRid>A12425GABC1234002M</GRid><ICPN>012345678905</ICPN></ReleaseId>',
      '<ReleaseId><GRid>A12425GABC1234002M</GRid></ReleaseId><ReleaseId><ICPN>012345678905</ICPN></ReleaseId>',
    );
    const result = readErnMessage(xml);
    expect(result.ok && result.model).toMatchObject({ kind: 'purge', release: { key: '012345678905', ids: { icpn: '012345678905', grid: 'A12425GABC1234002M' } } });
  });
});

// Not valid ERN: still refused, each at its element ---------------------------------------------

describe('variations that are not valid ERN stay refused, at their element', () => {
  const recording = (family: ErnFamily, n: number) => `${M}/ResourceList/SoundRecording[${n}]`;
  const file = (family: ErnFamily, n: number) =>
    `${recording(family, n)}/${family === '3.8.2' ? 'SoundRecordingDetailsByTerritory/TechnicalSoundRecordingDetails' : 'TechnicalDetails/DeliveryFile'}/File`;

  it.each(['3.8.2', '4.3'] as const)('ERN %s: a duration counted in months or years', (family) => {
    const xml = message(family, { spec: (s) => (s.tracks[1]!.duration = 'P0Y1MT3M') });
    expect(errors(xml)).toEqual([expect.objectContaining({ code: 'BAD_DURATION', path: `${recording(family, 2)}/Duration`, message: expect.stringContaining('years or months') })]);
  });

  it.each(['3.8.2', '4.3'] as const)('ERN %s: hash algorithms we cannot check, and a SHA2 value of no SHA-2 size', (family) => {
    const xml = message(family, {
      spec: (s) => {
        s.tracks[0]!.hash = { algorithm: 'CRC32', value: 'deadbeef' };
        s.tracks[2]!.hash = { algorithm: 'SHA2', value: 'a'.repeat(40) };
      },
    });
    expect(errors(xml)).toEqual([
      expect.objectContaining({ code: 'BAD_HASH', path: `${file(family, 1)}/HashSum`, message: expect.stringContaining('"CRC32" is not supported') }),
      expect.objectContaining({ code: 'BAD_HASH', path: `${file(family, 3)}/HashSum`, message: expect.stringContaining('no SHA-2 value') }),
    ]);
  });

  it.each(['3.8.2', '4.3'] as const)('ERN %s: a deal with neither TerritoryCode nor ExcludedTerritoryCode', (family) => {
    const xml = message(family, { spec: (s) => (s.deals = [{ release: 'main', commercialModels: ['SubscriptionModel'], useTypes: ['OnDemandStream'], territories: [] }]) });
    expect(errors(xml)).toEqual([expect.objectContaining({ code: 'MISSING', path: `${M}/DealList/ReleaseDeal/Deal/DealTerms/TerritoryCode` })]);
  });

  it.each(['3.8.2', '4.3'] as const)('ERN %s: a 14-digit GTIN with a packaging indicator is no ICPN', (family) => {
    const xml = edit(message(family), '<ICPN>012345678905</ICPN>', '<ICPN>10012345678902</ICPN>');
    expect(errors(xml)).toEqual([expect.objectContaining({ code: 'BAD_ICPN', path: `${M}/ReleaseList/${family === '3.8.2' ? 'Release[1]' : 'Release'}/ReleaseId/ICPN` })]);
  });

  it('ERN 4.3: an absolute file: URI or one with a host', () => {
    const xml = edit(edit(message('4.3'), '<URI>resources/001.flac</URI>', '<URI>file:///srv/masters/001.flac</URI>'), '<URI>resources/002.flac</URI>', '<URI>file://nas/masters/002.flac</URI>');
    expect(errors(xml)).toEqual([
      expect.objectContaining({ code: 'UNSAFE_PATH', path: `${file('4.3', 1)}/URI` }),
      expect.objectContaining({ code: 'UNSAFE_PATH', path: `${file('4.3', 2)}/URI` }),
    ]);
  });

  it('ERN 4.3: a SoundRecordingEdition without a file, and one without an ISRC', () => {
    const xml = edit(
      edit(message('4.3', { spec: (s) => (s.editions = true) }), /<TechnicalDetails><TechnicalResourceDetailsReference>T1<\/TechnicalResourceDetailsReference>.*?<\/TechnicalDetails>/, ''),
      '<ResourceId><ISRC>GBCAD2600002</ISRC></ResourceId>',
      '<ResourceId><ProprietaryId Namespace="DPID:PADPIDA2026120301X">T-2</ProprietaryId></ResourceId>',
    );
    expect(errors(xml)).toEqual([
      expect.objectContaining({ code: 'NO_FILE', path: `${recording('4.3', 1)}/SoundRecordingEdition` }),
      expect.objectContaining({ code: 'MISSING', path: `${recording('4.3', 2)}/SoundRecordingEdition/ResourceId/ISRC` }),
    ]);
  });

  it('ERN 3.8.2: two releases marked IsMainRelease', () => {
    const xml = edit(message('3.8.2'), '<Release><ReleaseId><ISRC>GBCAD2600001', '<Release IsMainRelease="true"><ReleaseId><ISRC>GBCAD2600001');
    expect(errors(xml)).toEqual([expect.objectContaining({ code: 'NO_MAIN_RELEASE', path: `${M}/ReleaseList`, message: expect.stringContaining('2 main releases') })]);
  });
});
