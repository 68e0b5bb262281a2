import { describe, expect, it } from 'vitest';
import type { TrackAvailability } from '../catalog/types.ts';
import { createAvailabilityGate } from './availability-gate.ts';

const ISRC = 'GBAYE2600001';

function catalogOf(availability: TrackAvailability | null) {
  const state = { availability, reads: 0 };
  return { state, read: () => (state.reads++, state.availability) };
}

const licensed = (endsAt: string | null = null): TrackAvailability => ({
  rights: { territories: ['GB'], excludedTerritories: [], startsAt: '2026-12-01T00:00:00.000Z', endsAt, tiers: ['premium'] },
  takedown: null,
});

describe('availability gate', () => {
  it('reads the catalog at most once per max age per track, and sees a takedown by then', () => {
    const catalog = catalogOf(licensed());
    const gate = createAvailabilityGate({ read: catalog.read, maxAgeMs: 1000 });
    const t0 = Date.parse('2026-12-03T12:00:00.000Z');
    for (let ms = 0; ms < 1000; ms += 10) expect(gate.refuse(ISRC, new Date(t0 + ms))).toBeNull();
    expect(catalog.state.reads).toBe(1);

    catalog.state.availability = { ...licensed(), takedown: { source: 'operator', reason: 'dispute', at: '2026-12-03T12:00:00.500Z' } };
    expect(gate.refuse(ISRC, new Date(t0 + 999))).toBeNull(); // still inside the max age
    expect(gate.refuse(ISRC, new Date(t0 + 1000))).toMatchObject({ status: 410, error: 'taken_down' });
    expect(catalog.state.reads).toBe(2);

    catalog.state.availability = licensed();
    expect(gate.refuse(ISRC, new Date(t0 + 2000))).toBeNull();
  });

  it('honours an end date at the millisecond, between catalog reads', () => {
    const catalog = catalogOf(licensed('2026-12-03T12:00:00.400Z'));
    const gate = createAvailabilityGate({ read: catalog.read, maxAgeMs: 1000 });
    expect(gate.refuse(ISRC, new Date('2026-12-03T12:00:00.399Z'))).toBeNull();
    expect(gate.refuse(ISRC, new Date('2026-12-03T12:00:00.400Z'))).toMatchObject({ status: 410, error: 'rights_ended' });
    expect(catalog.state.reads).toBe(1);
    // What caps the edge's s-maxage: the end, in epoch seconds; open-ended tracks have none.
    expect(gate.streamableUntil(ISRC)).toBe(Date.parse('2026-12-03T12:00:00.400Z') / 1000);
    const open = createAvailabilityGate({ read: () => licensed() });
    expect(open.refuse(ISRC, new Date('2026-12-03T12:00:00Z'))).toBeNull();
    expect(open.streamableUntil(ISRC)).toBe(Infinity);
  });

  it('refuses a track the catalog does not know (404), and does not apply territories or tiers (grant-time checks)', () => {
    expect(createAvailabilityGate({ read: () => null }).refuse(ISRC, new Date())).toMatchObject({ status: 404 });
    expect(createAvailabilityGate({ read: () => licensed() }).refuse(ISRC, new Date('2026-12-03T00:00:00Z'))).toBeNull();
  });
});
