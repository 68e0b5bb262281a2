// The availability phrase of `cadence tracks` follows the rights decision's order, at the millisecond.

import { describe, expect, it } from 'vitest';
import type { TrackAvailability } from '../catalog/types.ts';
import { availabilityLabel, rightsLine, takedownByLabel } from './tracks-view.ts';

const rights = { territories: ['WW'], excludedTerritories: [], startsAt: '2026-11-01T00:00:00.000Z', endsAt: '2027-01-01T00:00:00.000Z', tiers: null };
const of = (overrides: Partial<TrackAvailability['rights']> = {}, takedown: TrackAvailability['takedown'] = null): TrackAvailability => ({ rights: { ...rights, ...overrides }, takedown });

describe('availabilityLabel', () => {
  it('says where a track stands now: taken down first, then its window, then its tiers', () => {
    const now = new Date('2026-12-03T10:00:00.000Z');
    expect(availabilityLabel(of({}, { source: 'operator', reason: 'x', at: '2026-12-01T00:00:00.000Z' }), now)).toBe('taken down 2026-12-01T00:00:00.000Z by an operator');
    expect(availabilityLabel(of({}, { source: 'ddex', messageId: 'MSG-7', reason: 'x', at: '2026-12-01T00:00:00.000Z' }), now)).toBe('taken down 2026-12-01T00:00:00.000Z by DDEX message MSG-7');
    expect(availabilityLabel(of({ startsAt: '2026-12-03T10:00:00.001Z', endsAt: null }), now)).toBe('from 2026-12-03T10:00:00.001Z');
    expect(availabilityLabel(of({ endsAt: '2026-12-03T10:00:00.000Z' }), now)).toBe('ended 2026-12-03T10:00:00.000Z');
    expect(availabilityLabel(of({ tiers: [] }), now)).toBe('no streaming tier');
    expect(availabilityLabel(of(), now)).toBe('available until 2027-01-01T00:00:00.000Z');
    expect(availabilityLabel(of({ endsAt: null }), now)).toBe('available');
    expect(availabilityLabel(null, now)).toBe('no rights recorded');
  });

  it('names who made a takedown', () => {
    expect(takedownByLabel({ source: 'operator' })).toBe('by an operator');
    expect(takedownByLabel({ source: 'ddex', messageId: 'ALBUM-4' })).toBe('by DDEX message ALBUM-4');
  });

  it('writes the rights on one line', () => {
    expect(rightsLine({ ...rights, excludedTerritories: ['FR', 'DE'], tiers: ['premium', 'hifi'] })).toBe('WW except FR, DE · 2026-11-01T00:00:00.000Z → 2027-01-01T00:00:00.000Z · tiers premium, hifi');
    expect(rightsLine({ ...rights, territories: ['GB', 'IE'], endsAt: null })).toBe('GB, IE · 2026-11-01T00:00:00.000Z → open-ended · every tier');
  });
});
