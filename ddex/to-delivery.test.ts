import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ernMessage, sampleRelease } from '../fixtures/ddex-messages.ts';
import { readErnMessage } from './read-ern.ts';
import { toJsonDelivery } from './to-delivery.ts';
import type { ReleaseDeliveryModel } from './types.ts';

const require = createRequire(import.meta.url);
const validate = new Ajv({ allErrors: true, strict: true }).compile(require('../pipeline/delivery.schema.json') as object);

function model(edit: (spec: ReturnType<typeof sampleRelease>) => void = () => {}): ReleaseDeliveryModel {
  const spec = sampleRelease({ family: '4.3', tracks: 12, discs: 2 });
  edit(spec);
  const result = readErnMessage(ernMessage(spec));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.model as ReleaseDeliveryModel;
}

describe('toJsonDelivery', () => {
  it('gives a delivery the shipped JSON schema accepts, with the same facts', () => {
    const delivery = toJsonDelivery(model((s) => (s.tracks[4]!.subtitle = 'Live')));
    expect(validate(delivery), JSON.stringify(validate.errors)).toBe(true);
    expect(delivery.label).toBe('Northern Lights Records');
    expect(delivery.release).toEqual({
      upc: '012345678905',
      title: 'Aurora & Other Lights',
      artists: ['Ilse Varga'],
      releaseDate: '2026-11-01',
      genre: 'Classical',
      territories: ['WW'],
    });
    expect(delivery.tracks[6]).toEqual({
      isrc: 'GBCAD2600007',
      title: 'Movement 7',
      artists: ['Ilse Varga'],
      trackNumber: 1,
      discNumber: 2,
      master: 'resources/007.flac',
      explicit: false,
    });
    expect(delivery.tracks[4]!.title).toBe('Movement 5 (Live)');
    expect(delivery.tracks.filter((t) => t.explicit)).toHaveLength(2);
  });

  it('refuses a release without an ICPN: the JSON shape needs a UPC', () => {
    const noIcpn = model((s) => delete s.release.icpn);
    expect(() => toJsonDelivery(noIcpn)).toThrow(/BAD_DELIVERY|needs a UPC/);
    try {
      toJsonDelivery(noIcpn);
    } catch (error) {
      expect(error).toMatchObject({ code: 'BAD_DELIVERY', message: 'release grid:A12425GABC1234002M: a JSON delivery needs a UPC, and this release has no ICPN' });
    }
  });
});
